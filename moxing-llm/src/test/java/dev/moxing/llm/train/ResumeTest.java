package dev.moxing.llm.train;

import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ResumeTest {
    @TempDir
    Path tmp;

    /**
     * N steps straight equal k steps, checkpoint, resume in a fresh trainer, N − k steps: the same
     * weights bit for bit. Dropout, gradient accumulation and clipping are on, so every generator and
     * the optimizer's moments must come back exactly; the straight run also evaluates every other step,
     * which must not change training.
     */
    @Test
    void resumingContinuesBitIdentically() throws Exception {
        Path text = TinyRuns.writeText(tmp, TinyRuns.text(1500, 1));
        int n = 7, k = 3;
        TrainingListener quiet = new TrainingListener() {
        };

        GptTrainer straight = Pretraining.start(text, "char", TinyRuns.shape(0.1f), TinyRuns.options(n, 2, 2));
        straight.run(null, quiet);

        GptTrainer first = Pretraining.start(text, "char", TinyRuns.shape(0.1f), TinyRuns.options(n, 2, 0));
        for (int i = 0; i < k; i++) first.trainStep();
        Path ckpt = tmp.resolve("ckpt");
        first.save(ckpt);
        float[] atK = first.model().stateDict().get("block0.attn.q.weight").toFloatArray();
        GptTrainer resumed = Pretraining.resume(ckpt, null, TinyRuns.options(n, 2, 0));
        assertThat(resumed.step()).isEqualTo(k);
        resumed.run(tmp.resolve("ckpt"), quiet);

        assertThat(resumed.step()).isEqualTo(n);
        assertBitIdentical(straight.model().stateDict(), resumed.model().stateDict());
        assertThat(resumed.model().stateDict().get("block0.attn.q.weight").toFloatArray()).isNotEqualTo(atK);
        // And the checkpoint written at the end holds those weights.
        GptTrainer reloaded = Pretraining.resume(ckpt, null, TinyRuns.options(n, 2, 0));
        assertBitIdentical(straight.model().stateDict(), reloaded.model().stateDict());
        assertThat(reloaded.step()).isEqualTo(n);
        assertThat(reloaded.history()).hasSize(1);
    }

    static void assertBitIdentical(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        for (String name : expected.keySet()) {
            float[] e = expected.get(name).toFloatArray(), a = actual.get(name).toFloatArray();
            int[] eb = new int[e.length], ab = new int[a.length];
            for (int i = 0; i < e.length; i++) eb[i] = Float.floatToRawIntBits(e[i]);
            for (int i = 0; i < a.length; i++) ab[i] = Float.floatToRawIntBits(a[i]);
            assertThat(ab).as(name).containsExactly(eb);
        }
    }
}
