package dev.moxing.data;

import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The content of an IDX file (the MNIST format): element type, dimensions and the raw big-endian
 * payload, kept as bytes so that 60,000 images cost 47 MB until converted, not 188 MB twice.
 *
 * @param file  where it was read from (for messages)
 * @param type  the element type from the magic number's third byte
 * @param dims  the dimensions, outermost first
 * @param data  the payload, {@code product(dims) * type.size()} bytes, big-endian
 */
public record IdxArray(Path file, Type type, int[] dims, byte[] data) {

    /** IDX element types, by the code in the magic number. */
    public enum Type {
        UBYTE(0x08, 1), BYTE(0x09, 1), SHORT(0x0B, 2), INT(0x0C, 4), FLOAT(0x0D, 4), DOUBLE(0x0E, 8);

        final int code;
        final int size;

        Type(int code, int size) {
            this.code = code;
            this.size = size;
        }

        /** Bytes per element. */
        public int size() {
            return size;
        }

        static Type ofCode(int code) {
            for (Type t : values()) if (t.code == code) return t;
            return null;
        }
    }

    public IdxArray {
        dims = dims.clone();
        if ((long) Shape.numel(dims) * type.size != data.length) {
            throw new IllegalArgumentException("IdxArray: " + data.length + " bytes do not hold " + type + " dims "
                    + Shape.str(dims));
        }
    }

    @Override
    public int[] dims() {
        return dims.clone();
    }

    public int count() {
        return Shape.numel(dims);
    }

    /** The values times {@code scale} as an F32 tensor of shape dims (1/255 turns pixels into [0, 1]). */
    public Tensor toFloatTensor(float scale) {
        int n = count();
        float[] out = new float[n];
        switch (type) {
            case UBYTE -> {
                for (int i = 0; i < n; i++) out[i] = (data[i] & 0xFF) * scale;
            }
            case BYTE -> {
                for (int i = 0; i < n; i++) out[i] = data[i] * scale;
            }
            default -> {
                ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
                for (int i = 0; i < n; i++) out[i] = (float) (read(b, i) * scale);
            }
        }
        return Tensor.fromArray(out, dims);
    }

    /** The values as an I32 tensor (labels, indices); only integer element types convert. */
    public Tensor toIntTensor() {
        if (type == Type.FLOAT || type == Type.DOUBLE) {
            throw new IllegalStateException(file + ": element type " + type + " is not an integer type; use toFloatTensor");
        }
        int n = count();
        int[] out = new int[n];
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < n; i++) out[i] = (int) read(b, i);
        return Tensor.ofInts(out, dims);
    }

    private double read(ByteBuffer b, int i) {
        return switch (type) {
            case UBYTE -> b.get(i) & 0xFF;
            case BYTE -> b.get(i);
            case SHORT -> b.getShort(i * 2);
            case INT -> b.getInt(i * 4);
            case FLOAT -> b.getFloat(i * 4);
            case DOUBLE -> b.getDouble(i * 8);
        };
    }
}
