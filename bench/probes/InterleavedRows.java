import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Random;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * A probe, not product code: decode matvec speed (one thread, heap arrays) of Q8_0 / Q4_0 weights
 * in ggml's block layout, with HeapQuantDot's kernels (four rows per call for Q8_0, two for Q4_0,
 * lanes folded in registers), against a layout with 16 rows interleaved per block column (the 16
 * rows' f16 scales, then byte j of each row), where one vector holds one weight of 16 rows, x is
 * broadcast and no row needs a horizontal sum. Same weights, same x; prints GB/s of weight bytes
 * and the largest relative difference of the two results (summation order differs).
 *
 *   java --add-modules jdk.incubator.vector bench/probes/InterleavedRows.java q8_0 288 32000 1
 *   java --add-modules jdk.incubator.vector bench/probes/InterleavedRows.java q4_0 768 2048 60
 *
 * Arguments: type, row width (a multiple of 32), rows (a multiple of 16), matrices (cycled
 * through, 60 x 1.6 MB to stream from memory rather than cache). Needs 512-bit vectors (AVX-512).
 */
public class InterleavedRows {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
  static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
  static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
  static final int L = 16;
  static final VarHandle F16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  static float f16(byte[] w, int i) { return Float.float16ToFloat((short) F16.get(w, i)); }
  static final VectorShuffle<Float> X8 = VectorShuffle.fromOp(F, i -> i ^ 8), X4 = VectorShuffle.fromOp(F, i -> i ^ 4),
      X2 = VectorShuffle.fromOp(F, i -> i ^ 2), X1 = VectorShuffle.fromOp(F, i -> i ^ 1);

  // current Q8_0 kernel (block layout) with fold
  static void cur(float[] x, byte[] w, int in, int out, float[] y) {
    int blocks = in/32, rowBytes = blocks*34; int q = out/4, qb = q*rowBytes;
    for (int j=0;j<q;j++) q8x4(x,0,w,j*rowBytes,qb,blocks,y,j,q);
  }
  static void q8x4(float[] x, int xo, byte[] w, int o, int r, int blocks, float[] y, int yo, int ys) {
    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
    for (int k = 0; k < blocks; k++, o += 34, xo += 32) {
      FloatVector xl = FloatVector.fromArray(F, x, xo), xh = FloatVector.fromArray(F, x, xo + L);
      int q = o + 2;
      FloatVector s0 = ((FloatVector) ByteVector.fromArray(B, w, q).convertShape(VectorOperators.B2F, F, 0)).mul(xl);
      FloatVector s1 = ((FloatVector) ByteVector.fromArray(B, w, q + r).convertShape(VectorOperators.B2F, F, 0)).mul(xl);
      FloatVector s2 = ((FloatVector) ByteVector.fromArray(B, w, q + 2*r).convertShape(VectorOperators.B2F, F, 0)).mul(xl);
      FloatVector s3 = ((FloatVector) ByteVector.fromArray(B, w, q + 3*r).convertShape(VectorOperators.B2F, F, 0)).mul(xl);
      q += L;
      s0 = ((FloatVector) ByteVector.fromArray(B, w, q).convertShape(VectorOperators.B2F, F, 0)).fma(xh, s0);
      s1 = ((FloatVector) ByteVector.fromArray(B, w, q + r).convertShape(VectorOperators.B2F, F, 0)).fma(xh, s1);
      s2 = ((FloatVector) ByteVector.fromArray(B, w, q + 2*r).convertShape(VectorOperators.B2F, F, 0)).fma(xh, s2);
      s3 = ((FloatVector) ByteVector.fromArray(B, w, q + 3*r).convertShape(VectorOperators.B2F, F, 0)).fma(xh, s3);
      a0 = s0.fma(FloatVector.broadcast(F, f16(w, o)), a0);
      a1 = s1.fma(FloatVector.broadcast(F, f16(w, o + r)), a1);
      a2 = s2.fma(FloatVector.broadcast(F, f16(w, o + 2 * r)), a2);
      a3 = s3.fma(FloatVector.broadcast(F, f16(w, o + 3 * r)), a3);
    }
    a0 = a0.add(a0.rearrange(X8)); a1 = a1.add(a1.rearrange(X8)); a2 = a2.add(a2.rearrange(X8)); a3 = a3.add(a3.rearrange(X8));
    a0 = a0.add(a0.rearrange(X4)); a1 = a1.add(a1.rearrange(X4)); a2 = a2.add(a2.rearrange(X4)); a3 = a3.add(a3.rearrange(X4));
    a0 = a0.add(a0.rearrange(X2)); a1 = a1.add(a1.rearrange(X2)); a2 = a2.add(a2.rearrange(X2)); a3 = a3.add(a3.rearrange(X2));
    a0 = a0.add(a0.rearrange(X1)); a1 = a1.add(a1.rearrange(X1)); a2 = a2.add(a2.rearrange(X1)); a3 = a3.add(a3.rearrange(X1));
    y[yo] = a0.lane(0); y[yo + ys] = a1.lane(0); y[yo+2*ys] = a2.lane(0); y[yo + 3*ys] = a3.lane(0);
  }
  // repack: per group of 16 rows, per block: 16 f16 scales (32 B) then [j 0..31][row 0..15] bytes (512 B)
  static byte[] repack8(byte[] w, int in, int out) {
    int blocks = in/32, rowBytes = blocks*34; byte[] r = new byte[w.length];
    for (int g=0; g<out/16; g++) for (int b=0;b<blocks;b++) { int base = (g*blocks+b)*544;
      for (int row=0; row<16; row++) { int src=(g*16+row)*rowBytes + b*34; r[base+2*row]=w[src]; r[base+2*row+1]=w[src+1];
        for (int j=0;j<32;j++) r[base+32+j*16+row]=w[src+2+j]; } }
    return r;
  }
  static void r8(float[] x, byte[] w, int in, int out, float[] y) {
    int blocks = in/32;
    for (int g=0; g<out/16; g++) {
      FloatVector acc = FloatVector.zero(F);
      int p = g*blocks*544;
      for (int b=0;b<blocks;b++, p+=544) {
        IntVector h = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_256, w, p).reinterpretAsShorts().convertShape(VectorOperators.S2I, I, 0);
        IntVector e = h.and(0x7fff);
        FloatVector sc = e.lanewise(VectorOperators.LSHL, 13).lanewise(VectorOperators.OR, 0x7f800000, e.compare(VectorOperators.GE, 0x7c00)).reinterpretAsFloats().mul(0x1p112f);
        sc = sc.reinterpretAsInts().or(h.and(0x80000000)).reinterpretAsFloats();
        int xo = b*32, q = p+32;
        FloatVector s0 = ((FloatVector) ByteVector.fromArray(B, w, q).convertShape(VectorOperators.B2F, F, 0)).mul(x[xo]);
        FloatVector s1 = ((FloatVector) ByteVector.fromArray(B, w, q+16).convertShape(VectorOperators.B2F, F, 0)).mul(x[xo+1]);
        FloatVector s2 = ((FloatVector) ByteVector.fromArray(B, w, q+32).convertShape(VectorOperators.B2F, F, 0)).mul(x[xo+2]);
        FloatVector s3 = ((FloatVector) ByteVector.fromArray(B, w, q+48).convertShape(VectorOperators.B2F, F, 0)).mul(x[xo+3]);
        for (int j=4;j<32;j+=4) {
          int qj = q + j*16;
          s0 = ((FloatVector) ByteVector.fromArray(B, w, qj).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.broadcast(F, x[xo+j]), s0);
          s1 = ((FloatVector) ByteVector.fromArray(B, w, qj+16).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.broadcast(F, x[xo+j+1]), s1);
          s2 = ((FloatVector) ByteVector.fromArray(B, w, qj+32).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.broadcast(F, x[xo+j+2]), s2);
          s3 = ((FloatVector) ByteVector.fromArray(B, w, qj+48).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.broadcast(F, x[xo+j+3]), s3);
        }
        acc = s0.add(s1).add(s2.add(s3)).fma(sc, acc);
      }
      acc.intoArray(y, g*16);
    }
  }
  static float[] offsets(float[] x, int in) { float[] m = new float[in/2]; for (int b=0;b<in/32;b++) for (int p=0;p<16;p++) m[b*16+p] = -8f*(x[b*32+p]+x[b*32+16+p]); return m; }
  static void cur4(float[] x, float[] m, byte[] w, int in, int out, float[] y) {
    int blocks = in/32, rowBytes = blocks*18; int q = out/4, qb = q*rowBytes;
    for (int j=0;j<q;j++) { int p=j*rowBytes; q4x2(x,0,m,w,p,qb,blocks,y,j,q); q4x2(x,0,m,w,p+2*qb,qb,blocks,y,j+2*q,q); }
  }
  static void q4x2(float[] x, int xo, float[] m, byte[] w, int o, int r, int blocks, float[] y, int yo, int ys) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int k = 0, mo = 0; k < blocks; k++, o += 18, xo += 32, mo += 16) {
            FloatVector s0 = FloatVector.fromArray(F, m, mo), s1 = s0;
            FloatVector xl = FloatVector.fromArray(F, x, xo), xh = FloatVector.fromArray(F, x, xo + 16);
            int q = o + 2;
            IntVector v0 = (IntVector) ByteVector.fromArray(B, w, q).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector v1 = (IntVector) ByteVector.fromArray(B, w, q + r).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            s0 = ((FloatVector) v0.and(0xF).convert(VectorOperators.I2F, 0)).fma(xl, s0);
            s1 = ((FloatVector) v1.and(0xF).convert(VectorOperators.I2F, 0)).fma(xl, s1);
            s0 = ((FloatVector) v0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, s0);
            s1 = ((FloatVector) v1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, s1);
            a0 = s0.fma(FloatVector.broadcast(F, f16(w, o)), a0);
            a1 = s1.fma(FloatVector.broadcast(F, f16(w, o + r)), a1);
        }
        a0 = a0.add(a0.rearrange(X8)); a1 = a1.add(a1.rearrange(X8));
        a0 = a0.add(a0.rearrange(X4)); a1 = a1.add(a1.rearrange(X4));
        a0 = a0.add(a0.rearrange(X2)); a1 = a1.add(a1.rearrange(X2));
        a0 = a0.add(a0.rearrange(X1)); a1 = a1.add(a1.rearrange(X1));
        y[yo] = a0.lane(0); y[yo + ys] = a1.lane(0);
  }
  // repacked: per (group of 16 rows, block): 16 f16 scales (32 B), then [j 0..15][row 0..15] bytes (256 B) = 288 B
  static byte[] repack4(byte[] w, int in, int out) {
    int blocks = in/32, rowBytes = blocks*18; byte[] r = new byte[w.length];
    for (int g=0; g<out/16; g++) for (int b=0;b<blocks;b++) { int base = (g*blocks+b)*288;
      for (int row=0; row<16; row++) { int src=(g*16+row)*rowBytes + b*18; r[base+2*row]=w[src]; r[base+2*row+1]=w[src+1];
        for (int j=0;j<16;j++) r[base+32+j*16+row]=w[src+2+j]; } }
    return r;
  }
  static void rp(float[] x, float[] xs, byte[] w, int in, int out, float[] y) {
    int blocks = in/32;
    for (int g=0; g<out/16; g++) {
      FloatVector acc = FloatVector.zero(F);
      int p = g*blocks*288;
      for (int b=0;b<blocks;b++, p+=288) {
        IntVector h = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_256, w, p).reinterpretAsShorts().convertShape(VectorOperators.S2I, I, 0);
        IntVector e = h.and(0x7fff);
        FloatVector sc = e.lanewise(VectorOperators.LSHL, 13).lanewise(VectorOperators.OR, 0x7f800000, e.compare(VectorOperators.GE, 0x7c00)).reinterpretAsFloats().mul(0x1p112f);
        sc = sc.reinterpretAsInts().or(h.and(0x80000000)).reinterpretAsFloats();
        int xo = b*32, q = p+32;
        FloatVector s0 = FloatVector.broadcast(F, xs[b]), s1 = FloatVector.zero(F), s2 = s1, s3 = s1;
        for (int j=0;j<16;j+=2) {
          int qj = q + j*16;
          IntVector v0 = (IntVector) ByteVector.fromArray(B, w, qj).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
          IntVector v1 = (IntVector) ByteVector.fromArray(B, w, qj + 16).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
          s0 = ((FloatVector) v0.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, x[xo+j]), s0);
          s1 = ((FloatVector) v0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, x[xo+16+j]), s1);
          s2 = ((FloatVector) v1.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, x[xo+j+1]), s2);
          s3 = ((FloatVector) v1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, x[xo+17+j]), s3);
        }
        acc = s0.add(s1).add(s2.add(s3)).fma(sc, acc);
      }
      acc.intoArray(y, g*16);
    }
  }
  public static void main(String[] a) {
    if (a.length != 4 || !(a[0].equals("q8_0") || a[0].equals("q4_0"))) {
      System.err.println("usage: InterleavedRows.java q8_0|q4_0 IN OUT MATRICES");
      System.exit(2);
    }
    if (FloatVector.SPECIES_PREFERRED.length() != 16) {
      System.err.println("InterleavedRows: needs 512-bit vectors (this machine has " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + ")");
      System.exit(1);
    }
    boolean q8 = a[0].equals("q8_0");
    int in = Integer.parseInt(a[1]), out = Integer.parseInt(a[2]), mats = Integer.parseInt(a[3]);
    if (in % 32 != 0 || out % 16 != 0 || mats < 1) {
      System.err.println("InterleavedRows: IN must be a multiple of 32, OUT of 16, MATRICES >= 1");
      System.exit(2);
    }
    int blocks = in / 32, blockBytes = q8 ? 34 : 18;
    Random r = new Random(1);
    byte[][] ws = new byte[mats][], rs = new byte[mats][];
    for (int t = 0; t < mats; t++) {
      byte[] w = new byte[out * blocks * blockBytes];
      r.nextBytes(w);
      for (int i = 0; i < out * blocks; i++) F16.set(w, i * blockBytes, Float.floatToFloat16(r.nextFloat() * 0.01f));
      ws[t] = w;
      rs[t] = q8 ? repack8(w, in, out) : repack4(w, in, out);
    }
    float[] x = new float[in];
    for (int i = 0; i < in; i++) x[i] = r.nextFloat() - 0.5f;
    float[] m = offsets(x, in), xs = new float[blocks];
    for (int b = 0; b < blocks; b++) { float s = 0; for (int j = 0; j < 32; j++) s += x[b * 32 + j]; xs[b] = -8f * s; }
    float[] y1 = new float[out], y2 = new float[out];
    double bytes = (double) out * blocks * blockBytes * mats;
    int n = Math.max(1, 200 / mats);
    for (int round = 0; round < 8; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) for (byte[] w : ws) { if (q8) cur(x, w, in, out, y1); else cur4(x, m, w, in, out, y1); }
      long t1 = System.nanoTime();
      for (int i = 0; i < n; i++) for (byte[] w : rs) { if (q8) r8(x, w, in, out, y2); else rp(x, xs, w, in, out, y2); }
      long t2 = System.nanoTime();
      double md = 0;
      for (int i = 0; i < out; i++) md = Math.max(md, Math.abs(y1[i] - y2[i]) / (1e-3 + Math.abs(y1[i])));
      System.out.printf("%s %d x %d x %d: block layout %.1f GB/s, 16 rows interleaved %.1f GB/s, max rel. difference %.1e%n",
          a[0], out, in, mats, bytes * n / (t1 - t0), bytes * n / (t2 - t1), md);
    }
  }
}
