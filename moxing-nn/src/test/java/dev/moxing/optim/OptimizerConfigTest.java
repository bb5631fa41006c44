package dev.moxing.optim;

import dev.moxing.optim.schedule.LrSchedule;
import dev.moxing.optim.schedule.StepLR;
import dev.moxing.optim.schedule.WarmupLinear;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OptimizerConfigTest {

    @Test
    void everyOptimizerRoundTripsItsSettingsAndSchedule() {
        List<Optimizer> all = List.of(new SGD(0.3, 0.8, 0.1, false, 1e-3), new Adam(2e-3, 0.85, 0.99, 1e-6, 1e-4, true),
                new AdamW(5e-4, 0.9, 0.95, 1e-7, 0.1, false), new RMSprop(1e-2, 0.9, 1e-7, 1e-5, 0.5, true),
                new Adagrad(0.05, 1e-3, 1e-4, 0.1, 1e-9));
        for (Optimizer o : all) {
            o.schedule(new WarmupLinear(10, 100, 1e-5));
            Map<String, Object> c = OptimizerConfig.describe(o);
            Optimizer back = OptimizerConfig.create(c);
            assertThat(back).isInstanceOf(o.getClass());
            assertThat(OptimizerConfig.describe(back)).as(o.getClass().getSimpleName()).isEqualTo(c);
            assertThat(back.learningRate()).isEqualTo(o.learningRate());
        }
    }

    @Test
    void theScheduleSetsTheRateOfEachStepFromTheStepCount() {
        Optimizer o = new Adam(1.0).schedule(new StepLR(2, 0.5));
        assertThat(o.learningRate()).isEqualTo(1.0);
        assertThat(o.baseLearningRate()).isEqualTo(1.0);
        assertThat(OptimizerConfig.describe(o).get("schedule"))
                .isEqualTo(Map.of("type", "StepLR", "stepSize", 2L, "gamma", 0.5));
    }

    @Test
    void unsavableSchedulesAndBadConfigsAreNamed() {
        LrSchedule lambda = (t, base) -> base;
        assertThatThrownBy(() -> OptimizerConfig.describe(new SGD(0.1).schedule(lambda)))
                .hasMessageContaining("cannot be saved");
        assertThatThrownBy(() -> OptimizerConfig.create(Map.of("name", "lion")))
                .hasMessageContaining("unknown name 'lion'");
        assertThatThrownBy(() -> OptimizerConfig.create(Map.of("name", "adam", "beta_1", "x")))
                .hasMessageContaining("'beta_1' must be a number");
        assertThatThrownBy(() -> OptimizerConfig.create(Map.of("name", "adam", "schedule", Map.of("type", "Nope"))))
                .hasMessageContaining("unknown schedule type 'Nope'");
        assertThatThrownBy(() -> OptimizerConfig.create(Map.of("name", "adam", "schedule", Map.of("type", "StepLR", "gamma", 0.5))))
                .hasMessageContaining("needs a number 'stepSize'");
    }
}
