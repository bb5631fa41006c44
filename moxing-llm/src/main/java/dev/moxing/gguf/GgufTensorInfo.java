package dev.moxing.gguf;

import dev.moxing.tensor.Shape;

/**
 * A tensor's entry in a GGUF file. {@code shape} is in Moxing's (row-major, outermost first)
 * order, the reverse of GGUF's ne[] order: a matrix stored with ne = [in, out] has shape
 * (out, in). {@code offset} is relative to the start of the data section.
 */
public record GgufTensorInfo(String name, GgmlType type, int[] shape, long offset, long byteSize) {

    public long elements() {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Shape.str(shape) + " " + byteSize + " B @" + offset;
    }
}
