package dev.moxing.nn.keras;

import dev.moxing.nn.layers.BatchNorm1d;
import dev.moxing.nn.layers.Dense;
import dev.moxing.nn.layers.Dropout;
import dev.moxing.nn.layers.Linear;
import dev.moxing.nn.layers.ReLU;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SummaryTest {

    @Test
    void textbookMlpTable() {
        // 784·512 + 512 = 401,920 ; 512·10 + 10 = 5,130 ; total 407,050 · 4 bytes = 1,628,200 B = 1.55 MB
        Sequential model = Sequential.of(new Dense(512, "relu"), new Dense(10, "softmax"));
        model.build(784);
        assertThat(model.summaryText()).isEqualTo("""
                Model: "sequential"
                ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
                ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
                ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
                │ dense (Dense)                   │ (None, 512)            │       401,920 │
                ├─────────────────────────────────┼────────────────────────┼───────────────┤
                │ dense_1 (Dense)                 │ (None, 10)             │         5,130 │
                └─────────────────────────────────┴────────────────────────┴───────────────┘
                 Total params: 407,050 (1.55 MB)
                 Trainable params: 407,050 (1.55 MB)
                 Non-trainable params: 0 (0.00 B)""");
        assertThat(model.parameterCount()).isEqualTo(407_050);
    }

    @Test
    void buffersAndFrozenWeightsAreNonTrainable() {
        // Linear 4→8: 40 ; BatchNorm1d(8): 16 trainable + 16 running stats ; Linear 8→2 frozen: 18
        Linear head = new Linear(8, 2);
        Sequential model = Sequential.of(new Linear(4, 8), new BatchNorm1d(8), new ReLU(), new Dropout(0.5), head);
        head.parameters().forEach(p -> p.setRequiresGrad(false));
        model.build(4);
        String s = model.summaryText();
        assertThat(s).contains("│ batch_norm1d (BatchNorm1d)      │ (None, 8)              │            32 │");
        assertThat(s).contains("│ re_lu (ReLU)                    │ (None, 8)              │             0 │");
        assertThat(s).contains("│ linear_1 (Linear)               │ (None, 2)              │            18 │");
        assertThat(s).contains(" Total params: 90 (360.00 B)");
        assertThat(s).contains(" Trainable params: 56 (224.00 B)");
        assertThat(s).contains(" Non-trainable params: 34 (136.00 B)");
        // the dummy forward ran in eval mode: running statistics untouched, mode restored
        assertThat(model.isTraining()).isTrue();
        assertThat(((BatchNorm1d) model.layerList().get(1)).runningMean().toFloatArray()).containsOnly(0f);
    }

    @Test
    void unbuiltModelSaysSo() {
        Sequential model = Sequential.of(new Dense(3));
        assertThat(model.summaryText()).contains("│ dense (Dense)                   │ ?                      │   0 (unbuilt) │")
                .contains("not built");
    }

    @Test
    void wrappedModuleShowsItsChildren() {
        Model m = Model.of(new dev.moxing.nn.layers.Residual(new Linear(3, 3)));
        m.build(3);
        // one child (fn): its output shape is the model's
        assertThat(m.summaryText()).contains("Model: \"model\"").contains("│ linear (Linear)                 │ (None, 3)              │            12 │");
    }
}
