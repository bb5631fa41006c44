package dev.moxing.nn.init;

import dev.moxing.tensor.Shape;

/**
 * Fan-in and fan-out of a weight, computed like PyTorch's {@code _calculate_fan_in_and_fan_out}:
 * the weight is laid out (out, in, *kernel), so fanIn = in × receptive field and
 * fanOut = out × receptive field, where the receptive field is the product of the kernel dims.
 * A Linear weight (out, in) has fanIn = in; a Conv2d weight (out, in/groups, kh, kw) has
 * fanIn = in/groups × kh × kw.
 */
public record Fans(int fanIn, int fanOut) {

    public static Fans of(int[] shape) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("Fans: fan in and fan out can not be computed for a tensor with fewer "
                    + "than 2 dimensions, shape is " + Shape.str(shape));
        }
        long receptive = 1;
        for (int i = 2; i < shape.length; i++) receptive *= shape[i];
        return new Fans(Math.toIntExact(shape[1] * receptive), Math.toIntExact(shape[0] * receptive));
    }

    /** The fan selected by mode. */
    public int get(FanMode mode) {
        return mode == FanMode.FAN_IN ? fanIn : fanOut;
    }
}
