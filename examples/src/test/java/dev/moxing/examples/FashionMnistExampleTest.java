package dev.moxing.examples;

import dev.moxing.nn.keras.Model;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Short trainings on the 2,000-image subset shipped in data/fashion-mnist-subset. */
class FashionMnistExampleTest {
    static final Path SUBSET = Path.of("..", "data", "fashion-mnist-subset");

    private static FashionMnistExample.Options options(FashionMnistExample.Architecture a, Path out) {
        return new FashionMnistExample.Options(a, 2, 128, 1e-3, 0, SUBSET, out, 0, 0, 0);
    }

    @Test
    void textbookMlpLearnsTheSubsetAndReloadsBitIdentically(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("mlp");
        var r = FashionMnistExample.run(options(FashionMnistExample.Architecture.MLP, out), null);
        assertThat(r.testAccuracy()).isGreaterThanOrEqualTo(0.72); // 0.782 measured (2 epochs, 2,000 images)
        assertThat(r.history().epochs()).hasSize(2);
        assertThat(Files.size(out.resolve("training-curve.png"))).isGreaterThan(1000);
        Model reloaded = Model.load(out);
        Tensor x = Tensor.zeros(3, 784).add(0.5f);
        assertThat(reloaded.predict(x, 2).toFloatArray()).containsExactly(r.model().predict(x, 2).toFloatArray());
    }

    @Test
    void cnnLearnsTheSubset() throws Exception {
        var r = FashionMnistExample.run(options(FashionMnistExample.Architecture.CNN, null), null);
        assertThat(r.testAccuracy()).isGreaterThanOrEqualTo(0.72); // 0.796 measured (2 epochs, 2,000 images, default recipe at 1e-3)
    }
}
