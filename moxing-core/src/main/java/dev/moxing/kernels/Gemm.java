package dev.moxing.kernels;

import dev.moxing.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision GEMM on the Vector API: {@code C = alpha * op(A) @ op(B) + beta * C}, row-major.
 *
 * <p>Layout of the computation (GotoBLAS / BLIS): the k dimension is cut into blocks of about
 * {@link #KC}; for each k block, a KC x NC block of op(B) is packed once into NR-wide column
 * micro-panels (shared by all threads), then every thread packs MC x KC blocks of its rows of
 * op(A) into MR-tall row micro-panels and runs the MR x NR register-tiled {@link #kernel} over
 * them. Packing makes the kernel's loads unit-stride whatever the transposes and leading
 * dimensions, and keeps the A block (MC x KC) and the B micro-panel (KC x NR) in L2 while they
 * are reused. Transposes are handled in packing only; no operand is ever copied whole.
 *
 * <p>Determinism: how k is blocked depends only on k, and each element of C is computed by one
 * thread with the same sequence of fused multiply-adds whatever the partition. So the result is
 * bit-identical for any thread count (not only for equal ones). Problems below {@link #SMALL}
 * multiply-adds take a plain scalar path instead, which rounds differently.
 *
 * <p>Scratch: the packing buffers are per thread (a ThreadLocal) and only ever grow, so steady
 * state calls do not allocate (beyond the small task lambdas handed to the pool).
 */
public final class Gemm {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector: 16 with AVX-512. */
    private static final int L = S.length();

    /**
     * Micro-tile: MR rows of A (broadcast) by NR = 2 vectors of B. With AVX-512 (32 registers),
     * 12 x 2 = 24 accumulators plus 2 B vectors and 1 broadcast use 27 registers without
     * spilling; per k step that is 24 FMAs against 2 vector loads and 12 broadcast loads, well
     * within Zen's load ports, and 24 independent chains hide the FMA latency (4 cycles x 2
     * pipes). Tried 8 x 3 vectors too: same kernel speed, but 12 x 32 wastes less on
     * power-of-two n. x86 below AVX-512 has only 16 vector registers, hence 6 x 2 there.
     */
    static final int MR = L < 16 && isX86() ? 6 : 12;
    /** Lanes of the last, partial vector of an MR-float run (0 when L divides MR). */
    private static final int MR_TAIL = MR % L;
    private static final VectorMask<Float> MR_TAIL_MASK = S.indexInRange(0, MR_TAIL);
    static final int NR = 2 * L;
    /**
     * k block. Each k block costs one read-modify-write pass over C, so it is as large as the
     * caches allow: the A block (MC x KC floats, 576 KiB) and the B micro-panel it sweeps (KC x NR,
     * 96 KiB) stay in the 1 MiB L2 of Zen 5; the kernel needs only ~15 bytes per cycle from L2,
     * so the B micro-panel does not have to sit in L1. Measured (1 thread, noisy 2-core VM):
     * KC=256 ~165, 512 ~175, 768 ~185 GFLOP/s averaged over the square and Transformer shapes.
     * Override with -Dmoxing.gemm.kc / .mc / .nc for tuning on other machines.
     */
    static final int KC = Integer.getInteger("moxing.gemm.kc", 768);
    /** m block (multiple of MR): the packed A block (MC x KC floats) stays in L2. */
    static final int MC = roundUp(Integer.getInteger("moxing.gemm.mc", 192), MR);
    /** n block (multiple of NR): the packed B block (KC x NC floats) is shared in L3. */
    static final int NC = roundUp(Integer.getInteger("moxing.gemm.nc", 4096), NR);
    /** Below this many multiply-adds (m*n*k) a plain loop on the calling thread is faster. */
    static final long SMALL = 32 * 1024;
    /** Below this length a vector kernel's setup costs more than a scalar loop. */
    private static final int VECTOR_MIN = 16;
    /** Below this many multiply-adds one thread does the whole GEMM (pool hand-off costs ~us). */
    static final long PARALLEL_MIN = 1L << 20;
    /** Batched: below this many multiply-adds per GEMM, parallelise over the batch instead. */
    static final long BATCH_SPLIT = 1L << 22;

    private Gemm() {}

    /** Per-thread packing buffers; grown on demand, never shrunk. */
    private static final class Scratch {
        float[] a = new float[0];
        float[] b = new float[0];
        final float[] tile = new float[MR * NR];

        float[] a(int size) {
            if (a.length < size) a = new float[size];
            return a;
        }

        float[] b(int size) {
            if (b.length < size) b = new float[size];
            return b;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * C = alpha * op(A) @ op(B) + beta * C, row-major. op(A) is (m,k): A stored (m,k) with row
     * stride lda, or if transA stored (k,m) with row stride lda. op(B) is (k,n): B stored (k,n)
     * with ldb, or if transB stored (n,k). C is (m,n) with ldc. beta == 0 means C is overwritten
     * (never read, so NaNs in C do not propagate). Runs on {@link WorkerPool#shared()}.
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float beta, float[] c, int cOff, int ldc) {
        sgemm(WorkerPool.shared(), transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** Same as {@link #sgemm(boolean, boolean, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int)} on an explicit pool. */
    public static void sgemm(WorkerPool pool, boolean transA, boolean transB, int m, int n, int k, float alpha,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float beta, float[] c, int cOff, int ldc) {
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        long work = (long) m * n * k;
        int threads = work < PARALLEL_MIN ? 1 : pool.threads();
        gemm(pool, threads, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** Supplies B's k block [p0, p0 + kc) already in the packed layout (see {@link #sgemmPackedB}). */
    @FunctionalInterface
    public interface PackedB {
        void pack(int p0, int kc, float[] bp);
    }

    /** Columns per packed B panel: a caller that packs B itself writes panels this wide. */
    public static int panelWidth() {
        return NR;
    }

    /**
     * C (m, n) = A (m, k) · B (k, n), C overwritten, on the calling thread, with B handed over in
     * k blocks already packed: {@code b.pack(p0, kc, bp)} writes bp[q·NR·kc + (p − p0)·NR + j] =
     * B[p][q·NR + j], zero for columns at or beyond n. For weights decoded straight into that
     * layout (16-row interleaved quantized matrices), which skips a decode-then-pack pass. Block
     * bounds are multiples of kAlign (a quantization block), n at most {@link #NC}.
     */
    public static void sgemmPackedB(int m, int n, int k, int kAlign, float[] a, int aOff, int lda, PackedB b, float[] c, int cOff,
            int ldc) {
        if (m < 0 || n < 0 || k < 0 || kAlign <= 0 || k % kAlign != 0 || n > NC || lda < k || ldc < n) {
            throw new IllegalArgumentException("sgemmPackedB: m=" + m + " n=" + n + " k=" + k + " kAlign=" + kAlign + " lda=" + lda
                    + " ldc=" + ldc);
        }
        if (m == 0 || n == 0) return;
        checkRange("C", c, cOff, m, n, ldc);
        if (k == 0) {
            scale(m, n, 0f, c, cOff, ldc);
            return;
        }
        checkRange("A", a, aOff, m, k, lda);
        int units = k / kAlign, kBlocks = Math.min(units, Math.ceilDiv(k, KC)), nPanels = Math.ceilDiv(n, NR), mPanels = Math.ceilDiv(m, MR);
        int kcMax = Math.ceilDiv(units, kBlocks) * kAlign;
        float[] bp = SCRATCH.get().b(nPanels * NR * kcMax);
        for (int kb = 0; kb < kBlocks; kb++) {
            int p0 = units * kb / kBlocks * kAlign, kc = units * (kb + 1) / kBlocks * kAlign - p0;
            b.pack(p0, kc, bp);
            macro(false, a, aOff, lda, m, 0, mPanels, 0, nPanels, n, p0, kc, bp, 1f, kb == 0 ? 0f : 1f, c, cOff, ldc);
        }
    }

    /**
     * Batched: {@code batch} independent GEMMs, operand i at aOff + i*strideA etc. (a stride may
     * be 0 for a broadcast operand; strideC must not make two outputs overlap). Small matrices
     * are spread over the batch (one whole GEMM per task), large ones are each parallelised.
     */
    public static void sgemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k, float alpha,
            float[] a, int aOff, int strideA, int lda, float[] b, int bOff, int strideB, int ldb,
            float beta, float[] c, int cOff, int strideC, int ldc) {
        if (batch < 0) throw new IllegalArgumentException("sgemmBatched: batch must be >= 0, got " + batch);
        if (strideA < 0 || strideB < 0 || strideC < 0) {
            throw new IllegalArgumentException("sgemmBatched: strides must be >= 0");
        }
        if (batch == 0) return;
        check(transA, transB, m, n, k, a, aOff + (long) (batch - 1) * strideA, lda,
                b, bOff + (long) (batch - 1) * strideB, ldb, c, cOff + (long) (batch - 1) * strideC, ldc);
        WorkerPool pool = WorkerPool.shared();
        long work = (long) m * n * k;
        if (batch == 1 || pool.threads() == 1 || work >= BATCH_SPLIT) {
            int threads = work < PARALLEL_MIN ? 1 : pool.threads();
            for (int i = 0; i < batch; i++) {
                gemm(pool, threads, transA, transB, m, n, k, alpha, a, aOff + i * strideA, lda,
                        b, bOff + i * strideB, ldb, beta, c, cOff + i * strideC, ldc);
            }
        } else {
            // Grain so that each task carries at least ~PARALLEL_MIN multiply-adds.
            int grain = (int) Math.max(1, PARALLEL_MIN / Math.max(1, work));
            pool.parallelFor(0, batch, grain, (from, to) -> {
                for (int i = from; i < to; i++) {
                    gemm(pool, 1, transA, transB, m, n, k, alpha, a, aOff + i * strideA, lda,
                            b, bOff + i * strideB, ldb, beta, c, cOff + i * strideC, ldc);
                }
            });
        }
    }

    private static void check(boolean transA, boolean transB, int m, int n, int k,
            float[] a, long aOff, int lda, float[] b, long bOff, int ldb, float[] c, long cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        if (ldc < Math.max(1, n)) throw new IllegalArgumentException("sgemm: ldc=" + ldc + " < n=" + n);
        if (lda < Math.max(1, transA ? m : k)) throw new IllegalArgumentException("sgemm: lda=" + lda + " too small");
        if (ldb < Math.max(1, transB ? k : n)) throw new IllegalArgumentException("sgemm: ldb=" + ldb + " too small");
        if (m > 0 && n > 0) checkRange("C", c, cOff, m, n, ldc);
        if (m > 0 && n > 0 && k > 0) {
            checkRange("A", a, aOff, transA ? k : m, transA ? m : k, lda);
            checkRange("B", b, bOff, transB ? n : k, transB ? k : n, ldb);
        }
    }

    /** Fails fast (rather than half-way through C) when a rows x cols matrix does not fit. */
    private static void checkRange(String name, float[] x, long off, int rows, int cols, int ld) {
        long last = off + (long) (rows - 1) * ld + cols;
        if (off < 0 || last > x.length) {
            throw new IndexOutOfBoundsException("sgemm: " + name + " (" + rows + "x" + cols + ", ld=" + ld
                    + ", offset " + off + ") does not fit in an array of " + x.length);
        }
    }

    private static void gemm(WorkerPool pool, int threads, boolean transA, boolean transB, int m, int n, int k,
            float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        if (m <= FEW_ROWS && (long) n * k > SMALL) {
            fewRows(pool, threads, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        if ((long) m * n * k <= SMALL) {
            small(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        if (transB && !transA && n < NR && k >= 2 * L) {
            narrowNT(pool, threads, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        // Equal k blocks (e.g. k=300 -> 2 x 150, not 256 + 44): no short, inefficient last block.
        int kBlocks = Math.ceilDiv(k, KC);
        int kcMax = Math.ceilDiv(k, kBlocks);
        int mPanels = Math.ceilDiv(m, MR);
        Scratch own = SCRATCH.get(); // the caller's buffer holds the shared packed B block
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int nPanels = Math.ceilDiv(nc, NR);
            float[] bp = own.b(nPanels * NR * kcMax);
            int cOffJ = cOff + jc;
            for (int kb = 0; kb < kBlocks; kb++) {
                int p0 = (int) ((long) k * kb / kBlocks);
                int kc = (int) ((long) k * (kb + 1) / kBlocks) - p0;
                float betaK = kb == 0 ? beta : 1f; // later k blocks accumulate onto C
                int jcF = jc;
                if (threads == 1 || nPanels == 1) {
                    packB(transB, b, bOff, ldb, jc, nc, 0, nPanels, p0, kc, bp);
                } else {
                    pool.run(Math.min(threads, nPanels), (t, ts) -> packB(transB, b, bOff, ldb, jcF, nc,
                            nPanels * t / ts, nPanels * (t + 1) / ts, p0, kc, bp));
                }
                if (threads == 1) {
                    macro(transA, a, aOff, lda, m, 0, mPanels, 0, nPanels, nc, p0, kc, bp, alpha, betaK, c, cOffJ, ldc);
                } else if (mPanels >= 2 * threads) {
                    // Split rows: each thread packs only its own rows of A; B is read by all.
                    pool.run(threads, (t, ts) -> macro(transA, a, aOff, lda, m, mPanels * t / ts,
                            mPanels * (t + 1) / ts, 0, nPanels, nc, p0, kc, bp, alpha, betaK, c, cOffJ, ldc));
                } else {
                    // Few rows (m < 2 * threads * MR): split columns; every thread packs the small A.
                    pool.run(Math.min(threads, nPanels), (t, ts) -> macro(transA, a, aOff, lda, m, 0, mPanels,
                            nPanels * t / ts, nPanels * (t + 1) / ts, nc, p0, kc, bp, alpha, betaK, c, cOffJ, ldc));
                }
            }
        }
    }

    /**
     * One thread's share of a (KC x NC)-block step: row panels [mp0, mp1) x column panels
     * [np0, np1) of C, with op(B)'s block already packed in bp. Packs A by MC rows into this
     * thread's scratch, then sweeps each B micro-panel (outer loop, so it stays in L1/L2 while
     * used MC / MR times) over the A micro-panels (inner loop, from the L2-resident A block).
     */
    private static void macro(boolean transA, float[] a, int aOff, int lda, int m, int mp0, int mp1,
            int np0, int np1, int nc, int p0, int kc, float[] bp, float alpha, float betaK,
            float[] c, int cOff, int ldc) {
        Scratch s = SCRATCH.get();
        float[] ap = s.a(MC * kc);
        float[] tile = s.tile;
        int panelsPerBlock = MC / MR;
        for (int ip = mp0; ip < mp1; ip += panelsPerBlock) {
            int ipEnd = Math.min(mp1, ip + panelsPerBlock);
            int i0 = ip * MR;
            int rows = Math.min(m, ipEnd * MR) - i0;
            packA(transA, a, aOff, lda, i0, rows, p0, kc, ap);
            for (int q = np0; q < np1; q++) {
                int j0 = q * NR;
                int cols = Math.min(NR, nc - j0);
                int bo = q * NR * kc;
                for (int r = 0; r < ipEnd - ip; r++) {
                    int ii = i0 + r * MR;
                    int mr = Math.min(MR, m - ii);
                    int co = cOff + ii * ldc + j0;
                    if (mr == MR && cols == NR) {
                        kernel(kc, ap, r * MR * kc, bp, bo, c, co, ldc, alpha, betaK);
                    } else {
                        // Edge tile: the packed panels are zero-padded, so compute a full tile
                        // into scratch and copy out only the part inside C.
                        kernel(kc, ap, r * MR * kc, bp, bo, tile, 0, NR, 1f, 0f);
                        for (int i = 0; i < mr; i++) {
                            int ci = co + i * ldc;
                            for (int j = 0; j < cols; j++) {
                                float v = tile[i * NR + j];
                                c[ci + j] = betaK == 0f ? alpha * v : Math.fma(v, alpha, c[ci + j] * betaK);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Packs rows [i0, i0+rows) x k range [p0, p0+kc) of op(A) into MR-row micro-panels:
     * ap[panel*MR*kc + p*MR + r], zero-padding the last panel to MR rows.
     */
    private static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int rows, int p0, int kc,
            float[] ap) {
        if (transA) {
            packTransposedA(a, aOff, lda, i0, rows, p0, kc, ap);
            return;
        }
        for (int r0 = 0; r0 < rows; r0 += MR) {
            int mr = Math.min(MR, rows - r0);
            int d = r0 * kc;
            // A row-major (m,k): each row is contiguous in p; write it with stride MR.
            for (int r = 0; r < mr; r++) {
                int src = aOff + (i0 + r0 + r) * lda + p0;
                for (int p = 0; p < kc; p++) ap[d + p * MR + r] = a[src + p];
            }
            for (int r = mr; r < MR; r++) {
                for (int p = 0; p < kc; p++) ap[d + p * MR + r] = 0f;
            }
        }
    }

    /**
     * packA for A stored (k,m): row p of the stored matrix holds the MR values of every panel at
     * that p contiguously, so it is read once, front to back, and each panel's run is copied as
     * vectors. (Panel by panel, a scalar copy that revisits every row per panel cost ~25% of
     * dW = X^T dY when n is only a few panels wide.)
     */
    private static void packTransposedA(float[] a, int aOff, int lda, int i0, int rows, int p0, int kc, float[] ap) {
        int fullRows = rows / MR * MR;
        for (int p = 0; p < kc; p++) {
            int src = aOff + (p0 + p) * lda + i0;
            int dd = p * MR;
            for (int r0 = 0; r0 < fullRows; r0 += MR, dd += MR * kc) {
                int r = 0;
                for (; r + L <= MR; r += L) FloatVector.fromArray(S, a, src + r0 + r).intoArray(ap, dd + r);
                if (MR_TAIL != 0) {
                    // Masked only where the full vector stays inside both arrays: a masked access
                    // running past an array's end takes the Vector API's out-of-range path, which
                    // slows the whole compiled loop once seen (see TileGemm.edgeColumns).
                    int s0 = src + r0 + r, d0 = dd + r;
                    if (s0 + L <= a.length && d0 + L <= ap.length) {
                        FloatVector.fromArray(S, a, s0, MR_TAIL_MASK).intoArray(ap, d0, MR_TAIL_MASK);
                    } else {
                        System.arraycopy(a, s0, ap, d0, MR_TAIL);
                    }
                }
            }
            if (fullRows < rows) {
                int mr = rows - fullRows;
                for (int r = 0; r < mr; r++) ap[dd + r] = a[src + fullRows + r];
                for (int r = mr; r < MR; r++) ap[dd + r] = 0f;
            }
        }
    }

    /**
     * Packs column panels [q0, q1) of the block cols [jc, jc+nc) x k range [p0, p0+kc) of op(B):
     * bp[q*NR*kc + p*NR + j], zero-padding the last panel to NR columns.
     */
    private static void packB(boolean transB, float[] b, int bOff, int ldb, int jc, int nc, int q0, int q1,
            int p0, int kc, float[] bp) {
        for (int q = q0; q < q1; q++) {
            int j0 = jc + q * NR;
            int cols = Math.min(NR, nc - q * NR);
            int d = q * NR * kc;
            if (!transB) {
                // B row-major (k,n): NR contiguous floats per p.
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (p0 + p) * ldb + j0;
                    int dd = d + p * NR;
                    if (cols == NR) {
                        FloatVector.fromArray(S, b, src).intoArray(bp, dd);
                        FloatVector.fromArray(S, b, src + L).intoArray(bp, dd + L);
                    } else {
                        for (int j = 0; j < cols; j++) bp[dd + j] = b[src + j];
                        for (int j = cols; j < NR; j++) bp[dd + j] = 0f;
                    }
                }
            } else {
                // B stored (n,k): each column of op(B) is contiguous in p; write it with stride NR.
                for (int j = 0; j < cols; j++) {
                    int src = bOff + (j0 + j) * ldb + p0;
                    for (int p = 0; p < kc; p++) bp[d + p * NR + j] = b[src + p];
                }
                for (int j = cols; j < NR; j++) {
                    for (int p = 0; p < kc; p++) bp[d + p * NR + j] = 0f;
                }
            }
        }
    }

    /**
     * The MR x NR micro-kernel: C[co..] (MR rows, NR cols, stride ldc) = alpha * Ap @ Bp +
     * beta * C, where Ap is an MR x kc packed panel at ao and Bp a kc x NR packed panel at bo.
     * beta == 0 never reads C. MR is a static final, so C2 folds this dispatch away.
     */
    private static void kernel(int kc, float[] ap, int ao, float[] bp, int bo,
            float[] c, int co, int ldc, float alpha, float beta) {
        if (MR == 12) kernel12(kc, ap, ao, bp, bo, c, co, ldc, alpha, beta);
        else kernel6(kc, ap, ao, bp, bo, c, co, ldc, alpha, beta);
    }

    /**
     * 12 x 2-vector kernel for 32-register machines. Written out by hand on purpose: the 24
     * accumulators must be locals of one method so that C2 keeps them in registers (a FloatVector
     * passed across a call that is not inlined, or stored in an array, is boxed on the heap and
     * the kernel runs ~50x slower).
     */
    private static void kernel12(int kc, float[] ap, int ao, float[] bp, int bo,
            float[] c, int co, int ldc, float alpha, float beta) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        FloatVector c80 = z, c81 = z, c90 = z, c91 = z, ca0 = z, ca1 = z, cb0 = z, cb1 = z;
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * 12, bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai + 0]); c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]); c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]); c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]); c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]); c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]); c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[ai + 6]); c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[ai + 7]); c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(S, ap[ai + 8]); c80 = a.fma(b0, c80); c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(S, ap[ai + 9]); c90 = a.fma(b0, c90); c91 = a.fma(b1, c91);
            a = FloatVector.broadcast(S, ap[ai + 10]); ca0 = a.fma(b0, ca0); ca1 = a.fma(b1, ca1);
            a = FloatVector.broadcast(S, ap[ai + 11]); cb0 = a.fma(b0, cb0); cb1 = a.fma(b1, cb1);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        if (beta == 0f) {
            c00.mul(va).intoArray(c, co); c01.mul(va).intoArray(c, co + L);
            c10.mul(va).intoArray(c, co + 1 * ldc); c11.mul(va).intoArray(c, co + 1 * ldc + L);
            c20.mul(va).intoArray(c, co + 2 * ldc); c21.mul(va).intoArray(c, co + 2 * ldc + L);
            c30.mul(va).intoArray(c, co + 3 * ldc); c31.mul(va).intoArray(c, co + 3 * ldc + L);
            c40.mul(va).intoArray(c, co + 4 * ldc); c41.mul(va).intoArray(c, co + 4 * ldc + L);
            c50.mul(va).intoArray(c, co + 5 * ldc); c51.mul(va).intoArray(c, co + 5 * ldc + L);
            c60.mul(va).intoArray(c, co + 6 * ldc); c61.mul(va).intoArray(c, co + 6 * ldc + L);
            c70.mul(va).intoArray(c, co + 7 * ldc); c71.mul(va).intoArray(c, co + 7 * ldc + L);
            c80.mul(va).intoArray(c, co + 8 * ldc); c81.mul(va).intoArray(c, co + 8 * ldc + L);
            c90.mul(va).intoArray(c, co + 9 * ldc); c91.mul(va).intoArray(c, co + 9 * ldc + L);
            ca0.mul(va).intoArray(c, co + 10 * ldc); ca1.mul(va).intoArray(c, co + 10 * ldc + L);
            cb0.mul(va).intoArray(c, co + 11 * ldc); cb1.mul(va).intoArray(c, co + 11 * ldc + L);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            c00.fma(va, FloatVector.fromArray(S, c, co).mul(vb)).intoArray(c, co);
            c01.fma(va, FloatVector.fromArray(S, c, co + L).mul(vb)).intoArray(c, co + L);
            c10.fma(va, FloatVector.fromArray(S, c, co + 1 * ldc).mul(vb)).intoArray(c, co + 1 * ldc);
            c11.fma(va, FloatVector.fromArray(S, c, co + 1 * ldc + L).mul(vb)).intoArray(c, co + 1 * ldc + L);
            c20.fma(va, FloatVector.fromArray(S, c, co + 2 * ldc).mul(vb)).intoArray(c, co + 2 * ldc);
            c21.fma(va, FloatVector.fromArray(S, c, co + 2 * ldc + L).mul(vb)).intoArray(c, co + 2 * ldc + L);
            c30.fma(va, FloatVector.fromArray(S, c, co + 3 * ldc).mul(vb)).intoArray(c, co + 3 * ldc);
            c31.fma(va, FloatVector.fromArray(S, c, co + 3 * ldc + L).mul(vb)).intoArray(c, co + 3 * ldc + L);
            c40.fma(va, FloatVector.fromArray(S, c, co + 4 * ldc).mul(vb)).intoArray(c, co + 4 * ldc);
            c41.fma(va, FloatVector.fromArray(S, c, co + 4 * ldc + L).mul(vb)).intoArray(c, co + 4 * ldc + L);
            c50.fma(va, FloatVector.fromArray(S, c, co + 5 * ldc).mul(vb)).intoArray(c, co + 5 * ldc);
            c51.fma(va, FloatVector.fromArray(S, c, co + 5 * ldc + L).mul(vb)).intoArray(c, co + 5 * ldc + L);
            c60.fma(va, FloatVector.fromArray(S, c, co + 6 * ldc).mul(vb)).intoArray(c, co + 6 * ldc);
            c61.fma(va, FloatVector.fromArray(S, c, co + 6 * ldc + L).mul(vb)).intoArray(c, co + 6 * ldc + L);
            c70.fma(va, FloatVector.fromArray(S, c, co + 7 * ldc).mul(vb)).intoArray(c, co + 7 * ldc);
            c71.fma(va, FloatVector.fromArray(S, c, co + 7 * ldc + L).mul(vb)).intoArray(c, co + 7 * ldc + L);
            c80.fma(va, FloatVector.fromArray(S, c, co + 8 * ldc).mul(vb)).intoArray(c, co + 8 * ldc);
            c81.fma(va, FloatVector.fromArray(S, c, co + 8 * ldc + L).mul(vb)).intoArray(c, co + 8 * ldc + L);
            c90.fma(va, FloatVector.fromArray(S, c, co + 9 * ldc).mul(vb)).intoArray(c, co + 9 * ldc);
            c91.fma(va, FloatVector.fromArray(S, c, co + 9 * ldc + L).mul(vb)).intoArray(c, co + 9 * ldc + L);
            ca0.fma(va, FloatVector.fromArray(S, c, co + 10 * ldc).mul(vb)).intoArray(c, co + 10 * ldc);
            ca1.fma(va, FloatVector.fromArray(S, c, co + 10 * ldc + L).mul(vb)).intoArray(c, co + 10 * ldc + L);
            cb0.fma(va, FloatVector.fromArray(S, c, co + 11 * ldc).mul(vb)).intoArray(c, co + 11 * ldc);
            cb1.fma(va, FloatVector.fromArray(S, c, co + 11 * ldc + L).mul(vb)).intoArray(c, co + 11 * ldc + L);
        }
    }

    /** 6 x 2-vector kernel for 16-register machines (x86 AVX2): 12 accumulators + 3 = 15 registers. */
    private static void kernel6(int kc, float[] ap, int ao, float[] bp, int bo,
            float[] c, int co, int ldc, float alpha, float beta) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z, c50 = z, c51 = z;
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * 6, bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai + 0]); c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]); c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]); c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]); c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]); c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]); c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        if (beta == 0f) {
            c00.mul(va).intoArray(c, co); c01.mul(va).intoArray(c, co + L);
            c10.mul(va).intoArray(c, co + 1 * ldc); c11.mul(va).intoArray(c, co + 1 * ldc + L);
            c20.mul(va).intoArray(c, co + 2 * ldc); c21.mul(va).intoArray(c, co + 2 * ldc + L);
            c30.mul(va).intoArray(c, co + 3 * ldc); c31.mul(va).intoArray(c, co + 3 * ldc + L);
            c40.mul(va).intoArray(c, co + 4 * ldc); c41.mul(va).intoArray(c, co + 4 * ldc + L);
            c50.mul(va).intoArray(c, co + 5 * ldc); c51.mul(va).intoArray(c, co + 5 * ldc + L);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            c00.fma(va, FloatVector.fromArray(S, c, co).mul(vb)).intoArray(c, co);
            c01.fma(va, FloatVector.fromArray(S, c, co + L).mul(vb)).intoArray(c, co + L);
            c10.fma(va, FloatVector.fromArray(S, c, co + 1 * ldc).mul(vb)).intoArray(c, co + 1 * ldc);
            c11.fma(va, FloatVector.fromArray(S, c, co + 1 * ldc + L).mul(vb)).intoArray(c, co + 1 * ldc + L);
            c20.fma(va, FloatVector.fromArray(S, c, co + 2 * ldc).mul(vb)).intoArray(c, co + 2 * ldc);
            c21.fma(va, FloatVector.fromArray(S, c, co + 2 * ldc + L).mul(vb)).intoArray(c, co + 2 * ldc + L);
            c30.fma(va, FloatVector.fromArray(S, c, co + 3 * ldc).mul(vb)).intoArray(c, co + 3 * ldc);
            c31.fma(va, FloatVector.fromArray(S, c, co + 3 * ldc + L).mul(vb)).intoArray(c, co + 3 * ldc + L);
            c40.fma(va, FloatVector.fromArray(S, c, co + 4 * ldc).mul(vb)).intoArray(c, co + 4 * ldc);
            c41.fma(va, FloatVector.fromArray(S, c, co + 4 * ldc + L).mul(vb)).intoArray(c, co + 4 * ldc + L);
            c50.fma(va, FloatVector.fromArray(S, c, co + 5 * ldc).mul(vb)).intoArray(c, co + 5 * ldc);
            c51.fma(va, FloatVector.fromArray(S, c, co + 5 * ldc + L).mul(vb)).intoArray(c, co + 5 * ldc + L);
        }
    }

    /**
     * Rows of C computed without packing when op(A) has at most this many rows (token-by-token
     * decoding, m = 1): packing B would copy every weight once per call for a single use.
     */
    static final int FEW_ROWS = 4;

    /**
     * C (m ≤ FEW_ROWS rows) from dot products against rows of B (transB: B is (n, k)) or from
     * scaled row sums of B (B is (k, n)), split over column ranges. Each element of C is computed
     * the same way whatever the split, so the result does not depend on the thread count.
     */
    private static void fewRows(WorkerPool pool, int threads, boolean transA, boolean transB, int m, int n, int k,
            float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float beta, float[] c, int cOff, int ldc) {
        // Rows of op(A) as contiguous arrays (a transposed A has them strided).
        float[][] rows = new float[m][];
        int[] rowOff = new int[m];
        for (int i = 0; i < m; i++) {
            if (!transA) {
                rows[i] = a;
                rowOff[i] = aOff + i * lda;
            } else {
                float[] r = new float[k];
                for (int p = 0; p < k; p++) r[p] = a[aOff + p * lda + i];
                rows[i] = r;
            }
        }
        int grain = Math.max(16, (int) (SMALL / Math.max(1, k)));
        pool.parallelFor(0, n, threads == 1 ? n : grain, (j0, j1) -> {
            for (int i = 0; i < m; i++) {
                int ci = cOff + i * ldc;
                if (transB) {
                    for (int j = j0; j < j1; j++) {
                        float dot = VectorReductions.dot(rows[i], rowOff[i], b, bOff + j * ldb, k);
                        c[ci + j] = beta == 0f ? alpha * dot : alpha * dot + beta * c[ci + j];
                    }
                } else {
                    if (beta == 0f) java.util.Arrays.fill(c, ci + j0, ci + j1, 0f);
                    else if (beta != 1f) VectorOps.mulScalar(c, ci + j0, beta, c, ci + j0, j1 - j0);
                    for (int p = 0; p < k; p++) {
                        float s = alpha * rows[i][rowOff[i] + p];
                        if (s != 0f) VectorOps.scaleAdd(b, bOff + p * ldb + j0, s, c, ci + j0, j1 - j0);
                    }
                }
            }
        });
    }

    /**
     * C = A · Bᵀ with fewer than NR columns (a classifier head: 128 x 10 x 512). The packed path
     * would pad every B micro-panel to NR columns and pack both operands for a sliver of work
     * (~25 GFLOP/s at 128 x 10 x 512); here each element is a dot product of two contiguous rows,
     * four rows of B at a time sharing each load of the A row, two accumulators per row for the
     * FMA latency. Rows of C are split over threads; each element is computed the same way whatever
     * the split.
     */
    private static void narrowNT(WorkerPool pool, int threads, int m, int n, int k, float alpha,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float beta, float[] c, int cOff, int ldc) {
        int grain = (int) Math.max(1, PARALLEL_MIN / Math.max(1L, (long) n * k));
        pool.parallelFor(0, m, threads == 1 ? m : grain, (i0, i1) -> {
            float[] lanes = SCRATCH.get().tile; // MR * NR >= 4 * L floats
            for (int i = i0; i < i1; i++) {
                int ai = aOff + i * lda, ci = cOff + i * ldc;
                int j = 0;
                for (; j + 4 <= n; j += 4) {
                    dots4(a, ai, b, bOff + j * ldb, ldb, k, lanes);
                    for (int q = 0; q < 4; q++) {
                        float dot = lanes[q];
                        c[ci + j + q] = beta == 0f ? alpha * dot : Math.fma(dot, alpha, beta * c[ci + j + q]);
                    }
                }
                for (; j < n; j++) {
                    float dot = VectorReductions.dot(a, ai, b, bOff + j * ldb, k);
                    c[ci + j] = beta == 0f ? alpha * dot : Math.fma(dot, alpha, beta * c[ci + j]);
                }
            }
        });
    }

    /** out[0..3] = a[ai, ai + k) · b[bj + q * ldb, … + k) for q < 4; lane sums in a fixed order. */
    private static void dots4(float[] a, int ai, float[] b, int bj, int ldb, int k, float[] out) {
        FloatVector z = FloatVector.zero(S);
        FloatVector s0 = z, s1 = z, s2 = z, s3 = z, t0 = z, t1 = z, t2 = z, t3 = z;
        int b1 = bj + ldb, b2 = bj + 2 * ldb, b3 = bj + 3 * ldb;
        int p = 0;
        for (; p + 2 * L <= k; p += 2 * L) {
            FloatVector x0 = FloatVector.fromArray(S, a, ai + p), x1 = FloatVector.fromArray(S, a, ai + p + L);
            s0 = x0.fma(FloatVector.fromArray(S, b, bj + p), s0);
            t0 = x1.fma(FloatVector.fromArray(S, b, bj + p + L), t0);
            s1 = x0.fma(FloatVector.fromArray(S, b, b1 + p), s1);
            t1 = x1.fma(FloatVector.fromArray(S, b, b1 + p + L), t1);
            s2 = x0.fma(FloatVector.fromArray(S, b, b2 + p), s2);
            t2 = x1.fma(FloatVector.fromArray(S, b, b2 + p + L), t2);
            s3 = x0.fma(FloatVector.fromArray(S, b, b3 + p), s3);
            t3 = x1.fma(FloatVector.fromArray(S, b, b3 + p + L), t3);
        }
        for (; p + L <= k; p += L) {
            FloatVector x0 = FloatVector.fromArray(S, a, ai + p);
            s0 = x0.fma(FloatVector.fromArray(S, b, bj + p), s0);
            s1 = x0.fma(FloatVector.fromArray(S, b, b1 + p), s1);
            s2 = x0.fma(FloatVector.fromArray(S, b, b2 + p), s2);
            s3 = x0.fma(FloatVector.fromArray(S, b, b3 + p), s3);
        }
        s0.add(t0).intoArray(out, 0);
        s1.add(t1).intoArray(out, L);
        s2.add(t2).intoArray(out, 2 * L);
        s3.add(t3).intoArray(out, 3 * L);
        for (int q = 0; q < 4; q++) {
            float sum = 0f;
            for (int l = 0; l < L; l++) sum += out[q * L + l];
            int bq = bj + q * ldb;
            for (int r = p; r < k; r++) sum = Math.fma(a[ai + r], b[bq + r], sum);
            out[q] = sum;
        }
    }

    /** The small-problem path: a dot product per element, on the calling thread. */
    private static void small(boolean transA, boolean transB, int m, int n, int k, float alpha,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float beta, float[] c, int cOff, int ldc) {
        int aRow = transA ? 1 : lda, aCol = transA ? lda : 1; // A(i,p) = a[aOff + i*aRow + p*aCol]
        int bRow = transB ? 1 : ldb, bCol = transB ? ldb : 1; // B(p,j) = b[bOff + p*bRow + j*bCol]
        // Decoding a token is all small products (1 × n × k); keep them on vector kernels.
        if (aCol == 1 && bRow == 1 && k >= VECTOR_MIN) { // contraction contiguous in both: a dot per element
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float sum = VectorReductions.dot(a, aOff + i * aRow, b, bOff + j * bCol, k);
                    int ci = cOff + i * ldc + j;
                    c[ci] = beta == 0f ? alpha * sum : Math.fma(sum, alpha, beta * c[ci]);
                }
            }
            return;
        }
        if (bCol == 1 && n >= VECTOR_MIN) { // rows of B contiguous: C row += A(i,p) · B row p
            for (int i = 0; i < m; i++) {
                int ci = cOff + i * ldc;
                if (beta == 0f) java.util.Arrays.fill(c, ci, ci + n, 0f);
                else if (beta != 1f) VectorOps.mulScalar(c, ci, beta, c, ci, n);
                for (int p = 0; p < k; p++) {
                    float s = alpha * a[aOff + i * aRow + p * aCol];
                    if (s != 0f) VectorOps.scaleAdd(b, bOff + p * bRow, s, c, ci, n);
                }
            }
            return;
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                int ai = aOff + i * aRow, bj = bOff + j * bCol;
                for (int p = 0; p < k; p++) sum = Math.fma(a[ai + p * aCol], b[bj + p * bRow], sum);
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? alpha * sum : Math.fma(sum, alpha, beta * c[ci]);
            }
        }
    }

    /** C = beta * C (beta == 0 writes zeros without reading C). */
    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        if (beta == 1f) return;
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) c[ci + j] = beta == 0f ? 0f : beta * c[ci + j];
        }
    }

    private static boolean isX86() {
        String arch = System.getProperty("os.arch", "");
        return arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86") || arch.equals("i386");
    }

    private static int roundUp(int x, int multiple) {
        return Math.max(multiple, Math.ceilDiv(x, multiple) * multiple);
    }
}
