package dev.moxing.kernels.quant;

import dev.moxing.kernels.FlashAttention;
import dev.moxing.kernels.VectorOps;
import dev.moxing.kernels.VectorReductions;
import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Attention against keys and values stored in a compact type (an F16 or Q8_0 KV cache, as
 * llama.cpp's {@code -ctk/-ctv}): the stored rows are decoded a few at a time inside the kernel,
 * so no F32 copy of the cache exists.
 *
 * <p>Layout as {@link FlashAttention#forward(float[], float[], float[], float[], float[], int, int,
 * int, int, int, int, int, boolean) FlashAttention}'s cache overload: q (B, H, Tq, D) F32; k and v
 * (B, Hkv, kvRows, D) in {@code type}, of which the first Tk rows per head are used; each row is
 * {@code type.bytesFor(D)} bytes, so Q8_0 needs D a multiple of 32.
 *
 * <ul>
 *   <li>Up to {@link FlashAttention#FEW_QUERIES} query rows (decoding): per (batch, kv-head) group,
 *       {@value #CHUNK} key rows are decoded at a time and dotted with every query row of the group's
 *       heads; then the value rows likewise, accumulated with the softmax weights. The arithmetic is
 *       FlashAttention's row-by-row path in the same order, so on the decoded values the result is
 *       the same bits.
 *   <li>More query rows (a prompt): one kv head's Tk rows are decoded into per-thread scratch
 *       (2 · Tk · D floats, keys also transposed once) and FlashAttention's tile loop runs on them for
 *       the heads that share it.
 * </ul>
 * Work is split over (batch, kv-head) groups, as in FlashAttention: the same result for any thread count.
 */
public final class QuantAttention {
    /** Key or value rows decoded per step on the decoding path: 64 × D floats stay in the L1/L2 cache. */
    static final int CHUNK = 64;

    private QuantAttention() {}

    /** The types a cache may be stored in. */
    public static boolean supports(DType type) {
        return type == DType.F32 || type == DType.F16 || type == DType.Q8_0;
    }

    /** out (B, H, Tq, D) and lse (B, H, Tq) are written. */
    public static void forward(float[] q, DType type, MemorySegment k, MemorySegment v, float[] out, float[] lse,
                               int b, int h, int hkv, int tq, int tk, int kvRows, int d, boolean causal) {
        if (!supports(type)) throw new IllegalArgumentException("QuantAttention: keys and values cannot be stored as " + type);
        if (d % type.blockSize() != 0) {
            throw new IllegalArgumentException("QuantAttention: " + type + " keys and values need a head dim that is a multiple of "
                    + type.blockSize() + ", got " + d);
        }
        if (hkv < 1 || h % hkv != 0 || tk > kvRows || (causal && tq > tk)) {
            throw new IllegalArgumentException("QuantAttention: bad shape h " + h + ", hkv " + hkv + ", tq " + tq + ", tk " + tk
                    + ", kvRows " + kvRows);
        }
        long rowBytes = type.bytesFor(d);
        long need = (long) b * hkv * kvRows * rowBytes;
        if (k.byteSize() < need || v.byteSize() < need) {
            throw new IllegalArgumentException("QuantAttention: (" + b + ", " + hkv + ", " + kvRows + ", " + d + ") " + type
                    + " keys and values need " + need + " bytes, got " + k.byteSize() + " and " + v.byteSize());
        }
        Blocks.checkArray("QuantAttention", "q", q.length, 0, (long) b * h * tq * d);
        Blocks.checkArray("QuantAttention", "out", out.length, 0, (long) b * h * tq * d);
        Blocks.checkArray("QuantAttention", "lse", lse.length, 0, (long) b * h * tq);
        if (tq <= FlashAttention.FEW_QUERIES) {
            fewQueries(q, type, k, v, out, lse, b, h, hkv, tq, tk, kvRows, d, causal, rowBytes);
        } else {
            manyQueries(q, type, k, v, out, lse, b, h, hkv, tq, tk, kvRows, d, causal, rowBytes);
        }
    }

    private static void fewQueries(float[] q, DType type, MemorySegment k, MemorySegment v, float[] out, float[] lse,
                                   int b, int h, int hkv, int tq, int tk, int kvRows, int d, boolean causal, long rowBytes) {
        int group = h / hkv, shift = tk - tq, rows = group * tq;
        float scale = (float) (1 / Math.sqrt(d));
        WorkerPool.shared().parallelFor(0, b * hkv, 1, (g0, g1) -> {
            float[] s = new float[rows * tk];          // (group · Tq, Tk) scores, then reused per row
            float[] mx = new float[rows], sum = new float[rows];
            int[] limit = new int[rows];
            float[] chunk = new float[CHUNK * d];      // (CHUNK, D) decoded rows
            for (int g = g0; g < g1; g++) {
                int bi = g / hkv, kh = g % hkv;
                long base = (long) (bi * hkv + kh) * kvRows * rowBytes;
                int qBase = (bi * h + kh * group) * tq;  // first query row of the group in (B·H·Tq)
                for (int r = 0; r < rows; r++) {
                    limit[r] = causal ? Math.max(0, Math.min(tk, r % tq + shift + 1)) : tk;
                    mx[r] = Float.NEGATIVE_INFINITY;
                    sum[r] = 0;
                }
                // Pass 1: s = scale · q · k_j for the keys each row sees.
                for (int j0 = 0; j0 < tk; j0 += CHUNK) {
                    int n = Math.min(CHUNK, tk - j0);
                    VectorDequant.row(type, k, base + j0 * rowBytes, n * d, chunk, 0);
                    for (int r = 0; r < rows; r++) {
                        int qo = (qBase + r) * d, end = Math.min(j0 + n, limit[r]);
                        for (int j = j0; j < end; j++) {
                            float x = scale * VectorReductions.dot(q, qo, chunk, (j - j0) * d, d);
                            s[r * tk + j] = x;
                            mx[r] = Math.max(mx[r], x);
                        }
                    }
                }
                for (int r = 0; r < rows; r++) Arrays.fill(out, (qBase + r) * d, (qBase + r + 1) * d, 0f);
                // Pass 2: out += exp(s_j − max) · v_j, in key order.
                for (int j0 = 0; j0 < tk; j0 += CHUNK) {
                    int n = Math.min(CHUNK, tk - j0);
                    VectorDequant.row(type, v, base + j0 * rowBytes, n * d, chunk, 0);
                    for (int r = 0; r < rows; r++) {
                        int qo = (qBase + r) * d, end = Math.min(j0 + n, limit[r]);
                        for (int j = j0; j < end; j++) {
                            float p = (float) Math.exp(s[r * tk + j] - mx[r]);
                            sum[r] += p;
                            VectorOps.scaleAdd(chunk, (j - j0) * d, p, out, qo, d);
                        }
                    }
                }
                for (int r = 0; r < rows; r++) {
                    int qo = (qBase + r) * d;
                    if (limit[r] == 0) {
                        lse[qBase + r] = Float.NEGATIVE_INFINITY;
                        continue;
                    }
                    VectorOps.mulScalar(out, qo, 1f / sum[r], out, qo, d);
                    lse[qBase + r] = (float) (mx[r] + Math.log(sum[r]));
                }
            }
        });
    }

    private static void manyQueries(float[] q, DType type, MemorySegment k, MemorySegment v, float[] out, float[] lse,
                                    int b, int h, int hkv, int tq, int tk, int kvRows, int d, boolean causal, long rowBytes) {
        int group = h / hkv;
        WorkerPool.shared().parallelFor(0, b * hkv, 1, (g0, g1) -> {
            float[] kf = new float[tk * d], vf = new float[tk * d];   // (Tk, D) of one kv head
            float[] kT = new float[d * tk];                          // (D, Tk): its keys transposed
            float[][] scratch = FlashAttention.headScratch();
            for (int g = g0; g < g1; g++) {
                int bi = g / hkv, kh = g % hkv;
                long base = (long) (bi * hkv + kh) * kvRows * rowBytes;
                VectorDequant.row(type, k, base, tk * d, kf, 0);
                VectorDequant.row(type, v, base, tk * d, vf, 0);
                FlashAttention.transpose(kf, 0, tk, d, kT);
                for (int hh = kh * group; hh < (kh + 1) * group; hh++) {
                    int row = (bi * h + hh) * tq;
                    FlashAttention.forwardHead(q, kT, vf, out, lse, row * d, 0, row, tq, tk, d, causal, scratch);
                }
            }
        });
    }
}
