package dev.moxing.kernels.quant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moxing.tensor.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Real tensors quantized by llama.cpp (stories15M, in ../shared; skipped when absent): re-quantizing
 * dequantized Q8_0 blocks must give llama.cpp's bytes back, and QuantMatmul on Q4_0/Q8_0 weights
 * must agree with dequantize-then-dot. The GGUF walk here is the minimum to find tensor data; the
 * real reader lives in moxing-llm.
 */
class GgufTensorsTest {

    private static final Path DIR = Path.of("../../shared/data/random-llama");

    record TensorInfo(String name, long[] dims, int ggmlType, long dataOffset) {
        long elements() {
            long n = 1;
            for (long d : dims) n *= d;
            return n;
        }
    }

    record Gguf(MemorySegment file, List<TensorInfo> tensors) {}

    /** Walks header, metadata and tensor infos; dataOffset is absolute in the file. */
    static Gguf open(Path p, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(p)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            ByteBuffer b = seg.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            assertThat(b.getInt()).isEqualTo(0x46554747); // "GGUF"
            b.getInt(); // version
            long tensors = b.getLong(), kvs = b.getLong();
            long alignment = 32;
            for (long i = 0; i < kvs; i++) {
                String key = string(b);
                int type = b.getInt();
                if (key.equals("general.alignment")) alignment = b.getInt() & 0xffffffffL;
                else skipValue(b, type);
            }
            List<TensorInfo> infos = new ArrayList<>();
            for (long i = 0; i < tensors; i++) {
                String name = string(b);
                long[] dims = new long[b.getInt()];
                for (int d = 0; d < dims.length; d++) dims[d] = b.getLong();
                infos.add(new TensorInfo(name, dims, b.getInt(), b.getLong()));
            }
            long data = (b.position() + alignment - 1) / alignment * alignment;
            List<TensorInfo> abs = infos.stream()
                    .map(t -> new TensorInfo(t.name, t.dims, t.ggmlType, data + t.dataOffset)).toList();
            return new Gguf(seg, abs);
        }
    }

    private static String string(ByteBuffer b) {
        byte[] s = new byte[Math.toIntExact(b.getLong())];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static void skipValue(ByteBuffer b, int type) {
        switch (type) {
            case 0, 1, 7 -> b.get();
            case 2, 3 -> b.getShort();
            case 4, 5, 6 -> b.getInt();
            case 10, 11, 12 -> b.getLong();
            case 8 -> string(b);
            case 9 -> {
                int et = b.getInt();
                long n = b.getLong();
                for (long i = 0; i < n; i++) skipValue(b, et);
            }
            default -> throw new IllegalStateException("GGUF value type " + type);
        }
    }

    private static Gguf load(String file, Arena arena) throws IOException {
        Path p = DIR.resolve(file);
        Assumptions.assumeTrue(Files.isReadable(p), "no " + p);
        return open(p, arena);
    }

    @Test
    void q8_0RequantizesToLlamaCppBytes() throws IOException {
        try (Arena arena = Arena.ofShared()) {
            Gguf g = load("stories15M-Q8_0.gguf", arena);
            List<TensorInfo> q8 = g.tensors.stream().filter(t -> t.ggmlType == 8).toList(); // GGML_TYPE_Q8_0
            assertThat(q8).isNotEmpty();
            long blocks = 0;
            for (TensorInfo t : q8) {
                int n = Math.toIntExact(t.elements());
                float[] x = new float[n];
                Dequantize.row(DType.Q8_0, g.file, t.dataOffset, x, 0, n);
                MemorySegment again = arena.allocate(DType.Q8_0.bytesFor(n));
                Quantize.row(DType.Q8_0, x, 0, n, again, 0);
                long mismatch = again.mismatch(g.file.asSlice(t.dataOffset, again.byteSize()));
                assertThat(mismatch).as("%s: first differing byte", t.name).isEqualTo(-1L);
                blocks += n / 32;
            }
            assertThat(blocks).isGreaterThan(100_000);
        }
    }

    @Test
    void matmulOnRealWeightsMatchesDequantizeThenDot() throws IOException {
        try (Arena arena = Arena.ofShared()) {
            for (String file : new String[] {"stories15M-Q4_0.gguf", "stories15M-Q8_0.gguf"}) {
                Gguf g = load(file, arena);
                TensorInfo t = g.tensors.stream().filter(i -> i.ggmlType == 2 || i.ggmlType == 8)
                        .filter(i -> i.dims.length == 2).findFirst().orElseThrow();
                DType type = t.ggmlType == 2 ? DType.Q4_0 : DType.Q8_0;
                int in = (int) t.dims[0], out = (int) t.dims[1]; // ggml: dims[0] is the row length
                float[] w = new float[in * out];
                Dequantize.row(type, g.file, t.dataOffset, w, 0, w.length);
                for (int rows : new int[] {1, 3, 9}) {
                    float[] x = new float[rows * in];
                    java.util.Random r = new java.util.Random(rows);
                    for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                    float[] y = new float[rows * out];
                    QuantMatmul.matmul(x, 0, rows, in, type, g.file, t.dataOffset, out, y, 0);
                    for (int rr = 0; rr < rows; rr++) {
                        for (int o = 0; o < out; o++) {
                            double ref = 0, mag = 0;
                            for (int i = 0; i < in; i++) {
                                ref += (double) x[rr * in + i] * w[o * in + i];
                                mag += Math.abs((double) x[rr * in + i] * w[o * in + i]);
                            }
                            assertThat((double) y[rr * out + o]).as("%s %s y[%d,%d]", file, t.name, rr, o)
                                    .isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-5 * mag + 1e-30));
                        }
                    }
                }
            }
        }
    }
}
