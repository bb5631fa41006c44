package dev.moxing.nn.callbacks;

import dev.moxing.nn.keras.Model;

import java.util.Map;

/**
 * Hooks into {@link Model#fit}, as Keras's callbacks. Epochs are numbered from 0 here (Keras's
 * convention; progress lines and file-name templates show them from 1). The logs hold the values
 * so far: per batch the running means of the epoch, per epoch the final training and val_* values.
 * Epoch-end logs are mutable: a callback may add entries (a scheduler adds learning_rate), and
 * the history records them after every callback has run.
 */
public interface Callback {

    /** Called by fit before training starts, with the model being trained. */
    default void setModel(Model model) {
    }

    default void onTrainBegin(Map<String, Double> logs) {
    }

    default void onTrainEnd(Map<String, Double> logs) {
    }

    default void onEpochBegin(int epoch, Map<String, Double> logs) {
    }

    default void onEpochEnd(int epoch, Map<String, Double> logs) {
    }

    default void onBatchBegin(int batch, Map<String, Double> logs) {
    }

    default void onBatchEnd(int batch, Map<String, Double> logs) {
    }
}
