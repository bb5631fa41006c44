package dev.moxing.nn.keras;

import dev.moxing.nn.layers.Dense;
import dev.moxing.nn.layers.Linear;
import dev.moxing.nn.loss.Loss;
import dev.moxing.nn.loss.Losses;
import dev.moxing.optim.SGD;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BadInputTest {

    @Test
    void firstLayerThatDoesNotMatchTheInputIsNamed() {
        Sequential model = Sequential.of(new Linear(784, 10), new Dense(3));
        model.compile("sgd", "sparse_categorical_crossentropy");
        Tensor x = Tensor.zeros(4, 100);
        Tensor y = Tensor.ofInts(new int[] {0, 1, 2, 0}, 4);
        assertThatThrownBy(() -> model.fit(x, y, 1, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not accept input of shape (None, 100)")
                .hasMessageContaining("layer 0 linear (Linear(784 → 10))");
        assertThatThrownBy(() -> model.build(100)).hasMessageContaining("(None, 100)");
    }

    @Test
    void labelsOutOfRangeFailBeforeTraining() {
        Sequential model = Sequential.of(new Dense(3, "softmax"));
        model.compile("sgd", "sparse_categorical_crossentropy", "accuracy");
        Tensor x = Tensor.zeros(5, 2);
        assertThatThrownBy(() -> model.fit(x, Tensor.ofInts(new int[] {0, 1, 2, 3, 1}, 5), 1, 2))
                .hasMessageContaining("label 3 at row 3 is out of range")
                .hasMessageContaining("outputs 3 classes");
        assertThatThrownBy(() -> model.fit(x, Tensor.of(new float[] {0, 1, -1, 2, 1}, 5), 1, 2))
                .hasMessageContaining("label -1 at row 2");
        // one-hot targets with the sparse loss
        assertThatThrownBy(() -> model.fit(x, Tensor.zeros(5, 3), 1, 2))
                .hasMessageContaining("look one-hot");
        // class indices with the one-hot loss
        model.compile("sgd", "categorical_crossentropy");
        assertThatThrownBy(() -> model.fit(x, Tensor.ofInts(new int[] {0, 1, 2, 0, 1}, 5), 1, 2))
                .hasMessageContaining("needs one-hot targets of shape (N, 3)")
                .hasMessageContaining("sparse_categorical_crossentropy");
    }

    @Test
    void nanInTheDataIsNamed() {
        Sequential model = Sequential.of(new Dense(2, "softmax"));
        model.compile("sgd", "sparse_categorical_crossentropy");
        Tensor x = Tensor.of(new float[] {1, 2, 3, Float.NaN}, 2, 2);
        assertThatThrownBy(() -> model.fit(x, Tensor.ofInts(new int[] {0, 1}, 2), 1, 2))
                .hasMessageContaining("row 1").hasMessageContaining("NaN");
    }

    @Test
    void notCompiled() {
        Sequential model = Sequential.of(new Dense(2));
        assertThatThrownBy(() -> model.fit(Tensor.zeros(2, 2), Tensor.zeros(2, 2), 1, 1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("compile");
        assertThatThrownBy(() -> model.evaluate(Tensor.zeros(2, 2), Tensor.zeros(2, 2), 1))
                .hasMessageContaining("compile");
    }

    @Test
    void lossThatTurnsNaNStopsTrainingAndKeepsTheLastGoodWeights() {
        Blobs data = Blobs.of(10, 1); // 30 rows, batch 10: 3 steps per epoch
        Sequential model = Sequential.of(new Linear(2, 3));
        Loss sce = Losses.byName("sparse_categorical_crossentropy");
        int[] calls = {0};
        Loss poisoned = new Loss() {
            @Override
            public Tensor apply(Tensor p, Tensor t) {
                Tensor l = SGDLoss.apply(sce, p, t);
                return ++calls[0] == 5 ? l.mul(Float.NaN) : l;
            }

            @Override
            public String name() {
                return "sparse_categorical_crossentropy";
            }
        };
        model.compile(new SGD(0.1), poisoned);
        float[][] before = new float[1][];
        History h = model.fit(data.x(), data.y(), FitOptions.defaults().epochs(5).batchSize(10).shuffle(false).verbose(0)
                .callbacks(new dev.moxing.nn.callbacks.Callback() {
                    @Override
                    public void onBatchBegin(int batch, Map<String, Double> logs) {
                        before[0] = model.layerList().getFirst().parameters().getFirst().toFloatArray();
                    }
                }));
        // the build pass does not call the loss: call 5 is epoch 2, batch 2
        assertThat(h.terminatedOnNaN()).isTrue();
        assertThat(h.stopReason()).contains("the loss became NaN at epoch 2, batch 2");
        assertThat(h.epochCount()).isEqualTo(2);
        assertThat(h.last().get("loss")).isNaN();
        assertThat(model.layerList().getFirst().parameters().getFirst().toFloatArray()).isEqualTo(before[0]);
    }

    /** Indirection so the anonymous loss above reads plainly. */
    private static final class SGDLoss {
        static Tensor apply(Loss l, Tensor p, Tensor t) {
            return l.apply(p.softmax(-1), t);
        }
    }
}
