package dev.moxing.nn.init;

/**
 * Which fan a variance-scaling initialiser preserves: FAN_IN keeps the forward activations' variance,
 * FAN_OUT the backward gradients' variance (PyTorch's {@code mode='fan_in'|'fan_out'}).
 */
public enum FanMode {
    FAN_IN,
    FAN_OUT
}
