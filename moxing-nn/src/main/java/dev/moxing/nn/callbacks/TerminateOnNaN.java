package dev.moxing.nn.callbacks;

import dev.moxing.nn.keras.Model;

import java.util.Map;

/**
 * Stops training at the first batch whose loss is NaN or infinite. {@link Model#fit} already does
 * this itself (and skips that batch's update); the callback exists for Keras parity and for
 * custom loops that drive callbacks themselves.
 */
public final class TerminateOnNaN implements Callback {
    private Model model;

    @Override
    public void setModel(Model model) {
        this.model = model;
    }

    @Override
    public void onBatchEnd(int batch, Map<String, Double> logs) {
        Double loss = logs.get("loss");
        if (loss != null && !Double.isFinite(loss)) {
            System.out.println("Batch " + batch + ": Invalid loss, terminating training");
            model.stopTraining("the loss became " + loss + " at batch " + batch);
        }
    }
}
