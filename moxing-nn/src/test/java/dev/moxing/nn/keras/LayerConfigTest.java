package dev.moxing.nn.keras;

import dev.moxing.nn.Module;
import dev.moxing.nn.layers.Activation;
import dev.moxing.nn.layers.AvgPool2d;
import dev.moxing.nn.layers.BatchNorm1d;
import dev.moxing.nn.layers.BatchNorm2d;
import dev.moxing.nn.layers.Conv1d;
import dev.moxing.nn.layers.Conv2d;
import dev.moxing.nn.layers.Dense;
import dev.moxing.nn.layers.Dropout;
import dev.moxing.nn.layers.Embedding;
import dev.moxing.nn.layers.Flatten;
import dev.moxing.nn.layers.GELU;
import dev.moxing.nn.layers.GlobalAvgPool2d;
import dev.moxing.nn.layers.LayerNorm;
import dev.moxing.nn.layers.Linear;
import dev.moxing.nn.layers.MaxPool2d;
import dev.moxing.nn.layers.RMSNorm;
import dev.moxing.nn.layers.ReLU;
import dev.moxing.nn.layers.Residual;
import dev.moxing.nn.layers.SiLU;
import dev.moxing.nn.layers.Sigmoid;
import dev.moxing.nn.layers.Softmax;
import dev.moxing.nn.layers.Tanh;
import dev.moxing.tensor.Tensor;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LayerConfigTest {

    /** Every built-in entry, with non-default arguments so that a dropped argument shows. */
    static List<Module> samples() {
        return List.of(new Dense(7, "tanh"), new Linear(3, 5, false), new Activation("gelu"), new ReLU(), new Sigmoid(),
                new Tanh(), new SiLU(), new GELU("tanh"), new Softmax(1), new Dropout(0.3), new Flatten(2, 3),
                new Conv2d(4, 6, new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 2}, 2, false,
                        dev.moxing.nn.init.Init.defaultRng()),
                new Conv1d(2, 4, 3, 2, 1, 1, 2, true), new MaxPool2d(new int[] {3, 2}, new int[] {2, 2}, new int[] {1, 0}),
                new AvgPool2d(new int[] {2, 2}, new int[] {1, 2}, new int[] {1, 1}, false), new GlobalAvgPool2d(true),
                new BatchNorm1d(5, 1e-3, 0.2, false), new BatchNorm2d(3, 1e-4, 0.05, true),
                new LayerNorm(new int[] {4, 6}, 1e-3, false), new RMSNorm(9, 1e-4), new Embedding(11, 4),
                new Residual(new Linear(3, 3)), Sequential.of(new Dense(2), Sequential.of(new ReLU())));
    }

    @Test
    void everyBuiltinRoundTripsThroughJson() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (Module m : samples()) {
            Map<String, Object> spec = LayerConfig.describe(m);
            // through JSON text and back, as a file would carry it
            @SuppressWarnings("unchecked")
            Map<String, Object> read = json.readValue(json.writeValueAsString(spec), Map.class);
            Module rebuilt = LayerConfig.create(read);
            assertThat(rebuilt.getClass()).isEqualTo(m.getClass());
            assertThat(json.writeValueAsString(LayerConfig.describe(rebuilt))).as(m.describe()).isEqualTo(json.writeValueAsString(spec));
            assertThat(rebuilt.describe()).isEqualTo(m.describe());
        }
    }

    @Test
    void unknownTypesAreNamed() {
        Module custom = new Module() {
            @Override
            public Tensor forward(Tensor input) {
                return input;
            }
        };
        assertThatThrownBy(() -> LayerConfig.describe(custom)).hasMessageContaining("LayerConfig.register");
        assertThatThrownBy(() -> LayerConfig.create(Map.of("type", "Quux"))).hasMessageContaining("unknown layer type 'Quux'")
                .hasMessageContaining("Dense");
        assertThatThrownBy(() -> LayerConfig.create(Map.of("type", "Dense", "config", Map.of("activation", "relu"))))
                .hasMessageContaining("lacks 'units'");
    }

    static final class Scale extends Module {
        final float factor;

        Scale(float factor) {
            this.factor = factor;
        }

        @Override
        public Tensor forward(Tensor x) {
            return x.mul(factor);
        }
    }

    @Test
    void customLayersRegisterOnce() {
        LayerConfig.register("Scale", Scale.class, s -> Map.of("factor", (double) s.factor), a -> new Scale((float) a.number("factor")));
        Module back = LayerConfig.create(LayerConfig.describe(new Scale(2.5f)));
        assertThat(((Scale) back).factor).isEqualTo(2.5f);
    }
}
