package dev.moxing.tensor;

import dev.moxing.autograd.Autograd;
import dev.moxing.autograd.GradMode;
import dev.moxing.autograd.Node;
import dev.moxing.random.Rng;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * An n-dimensional array with PyTorch semantics: eager ops, broadcasting, views that share
 * storage (shape, strides, offset), and reverse-mode autograd recorded as ops run.
 *
 * <p>Compute is float32. Index tensors (argmax results, gather/embedding indices) are
 * {@link DType#I32}. Ops live in small package-private classes by concept ({@link Elementwise},
 * {@link Reductions}, {@link Linalg}, {@link Indexing}, {@link Views}); this class is the public
 * face and wires each op to its backward rule in {@link Derivatives}.
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;

    Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    /** A fresh contiguous F32 tensor over {@code data} (not copied: the tensor owns it from now on). */
    static Tensor wrap(float[] data, int[] shape) {
        return new Tensor(new Storage.Floats(data), shape.clone(), Shape.contiguousStrides(shape), 0);
    }

    static Tensor wrapInts(int[] data, int[] shape) {
        return new Tensor(new Storage.Ints(data), shape.clone(), Shape.contiguousStrides(shape), 0);
    }

    // ---------------------------------------------------------------- creation

    /** A tensor holding a copy of {@code data} in row-major order. */
    public static Tensor of(float[] data, int... shape) {
        checkLength("Tensor.of", data.length, shape);
        return wrap(data.clone(), shape);
    }

    /** A tensor that uses {@code data} as its storage without copying. */
    public static Tensor fromArray(float[] data, int... shape) {
        checkLength("Tensor.fromArray", data.length, shape);
        return wrap(data, shape);
    }

    /** An I32 (index) tensor holding a copy of {@code data}. */
    public static Tensor ofInts(int[] data, int... shape) {
        checkLength("Tensor.ofInts", data.length, shape);
        return wrapInts(data.clone(), shape);
    }

    /**
     * A tensor over a memory segment (off-heap or memory-mapped), without copying. Ops that need
     * F32 on the heap copy on use; later kernels read quantized types in place.
     */
    public static Tensor fromSegment(MemorySegment segment, DType dtype, int... shape) {
        int n = Shape.numel(shape);
        return new Tensor(new Storage.Segment(segment, dtype, n), shape.clone(), Shape.contiguousStrides(shape), 0);
    }

    private static void checkLength(String op, int length, int[] shape) {
        int n = Shape.numel(shape);
        if (n != length) {
            throw new IllegalArgumentException(op + ": " + length + " values do not fill shape " + Shape.str(shape)
                    + " (" + n + " elements)");
        }
    }

    public static Tensor scalar(float value) {
        return wrap(new float[] {value}, new int[0]);
    }

    public static Tensor zeros(int... shape) {
        return wrap(new float[Shape.numel(shape)], shape);
    }

    public static Tensor ones(int... shape) {
        return full(1f, shape);
    }

    public static Tensor full(float value, int... shape) {
        float[] d = new float[Shape.numel(shape)];
        java.util.Arrays.fill(d, value);
        return wrap(d, shape);
    }

    public static Tensor zerosLike(Tensor t) {
        return zeros(t.shape);
    }

    public static Tensor arange(int n) {
        return arange(0, n, 1);
    }

    /** Values start, start+step, … below end (above end for a negative step). */
    public static Tensor arange(float start, float end, float step) {
        if (step == 0 || !Float.isFinite(start) || !Float.isFinite(end) || !Float.isFinite(step)) {
            throw new IllegalArgumentException("arange: need finite start/end and a nonzero step, got "
                    + start + ", " + end + ", " + step);
        }
        long n = (long) Math.ceil(((double) end - start) / step);
        if (n < 0) n = 0;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("arange: " + n + " elements is too many");
        float[] d = new float[(int) n];
        for (int i = 0; i < n; i++) d[i] = (float) (start + (double) i * step);
        return wrap(d, new int[] {(int) n});
    }

    /** Uniform in [0, 1). */
    public static Tensor rand(Rng rng, int... shape) {
        float[] d = new float[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = rng.nextFloat();
        return wrap(d, shape);
    }

    /** Standard normal. */
    public static Tensor randn(Rng rng, int... shape) {
        float[] d = new float[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextGaussian();
        return wrap(d, shape);
    }

    /** Uniform integers in [low, high), as an I32 tensor. */
    public static Tensor randint(Rng rng, int low, int high, int... shape) {
        if (high <= low) throw new IllegalArgumentException("randint: need low < high, got " + low + ", " + high);
        int[] d = new int[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = low + rng.nextInt(high - low);
        return wrapInts(d, shape);
    }

    // ---------------------------------------------------------------- accessors

    public int[] shape() {
        return shape.clone();
    }

    public int[] strides() {
        return strides.clone();
    }

    public int offset() {
        return offset;
    }

    public int dim() {
        return shape.length;
    }

    public int size(int d) {
        return shape[Shape.dim("size", d, shape.length)];
    }

    public int numel() {
        return Shape.numel(shape);
    }

    public DType dtype() {
        return storage.dtype();
    }

    public Storage storage() {
        return storage;
    }

    public boolean isContiguous() {
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** The single value of a one-element tensor. */
    public float item() {
        if (numel() != 1) {
            throw new IllegalStateException("item: only one-element tensors can be converted to a scalar, shape is "
                    + Shape.str(shape));
        }
        return floats()[offset];
    }

    /** Element at a multi-index. */
    public float get(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("get: " + index.length + " indices for a tensor of rank " + shape.length);
        }
        int off = offset;
        for (int i = 0; i < index.length; i++) {
            int ix = index[i] < 0 ? index[i] + shape[i] : index[i];
            if (ix < 0 || ix >= shape[i]) {
                throw new IndexOutOfBoundsException("get: index " + index[i] + " out of range for dim " + i
                        + " of size " + shape[i]);
            }
            off += ix * strides[i];
        }
        return floats()[off];
    }

    /** A row-major copy of the values. */
    public float[] toFloatArray() {
        return Views.gather(floats(), shape, strides, offset);
    }

    /** A row-major copy of the values as ints (truncating floats). */
    public int[] toIntArray() {
        if (storage instanceof Storage.Ints ints) {
            return Views.gatherInts(ints.data(), shape, strides, offset);
        }
        if (storage instanceof Storage.Segment seg && seg.dtype() == DType.I32) {
            return Views.gatherInts(seg.toInts(), shape, strides, offset);
        }
        float[] f = toFloatArray();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) out[i] = (int) f[i];
        return out;
    }

    /** The heap float array behind this tensor (converting I32 or segment storage to a fresh array). */
    float[] floats() {
        return switch (storage) {
            case Storage.Floats f -> f.data();
            case Storage.Ints i -> {
                float[] out = new float[i.data().length];
                for (int k = 0; k < out.length; k++) out[k] = i.data()[k];
                yield out;
            }
            case Storage.Segment s when s.dtype().interleavedFrom() != null -> interleavedFloats(s);
            case Storage.Segment s -> s.toFloats();
        };
    }

    /**
     * A matrix in the 16-row interleaved layout decoded row-major: its rows are not contiguous, so
     * only the whole (rows, cols) matrix as placed (not a view of it) can be decoded.
     */
    private float[] interleavedFloats(Storage.Segment s) {
        if (shape.length != 2 || offset != 0 || numel() != s.length() || !isContiguous()) {
            throw new IllegalStateException("Tensor: a " + s.dtype() + " weight is read as the whole matrix it was placed as, not as a "
                    + Shape.str(shape) + " view");
        }
        float[] out = new float[Math.toIntExact(s.length())];
        dev.moxing.kernels.quant.RowInterleave.decodeRows(s.dtype(), s.segment(), 0, shape[1], 0, shape[0], out, 0);
        return out;
    }

    int[] stridesRef() {
        return strides;
    }

    int[] shapeRef() {
        return shape;
    }

    /**
     * The backing array of a contiguous, heap, F32 tensor, for kernels outside this package
     * (layers, optimizers) that work on flat buffers; index {@link #offset()} is element 0.
     */
    public float[] buffer() {
        if (!(storage instanceof Storage.Floats f) || !isContiguous()) {
            throw new IllegalStateException("buffer: needs a contiguous F32 heap tensor (call contiguous() first)");
        }
        return f.data();
    }

    // ---------------------------------------------------------------- autograd

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf as a variable to differentiate with respect to. Returns this. */
    public Tensor setRequiresGrad(boolean value) {
        if (gradFn != null) {
            throw new IllegalStateException("setRequiresGrad: only leaf tensors can be changed; this one comes from "
                    + gradFn + " (use detach())");
        }
        if (value && dtype() != DType.F32) {
            throw new IllegalStateException("setRequiresGrad: only F32 tensors can require grad, this is " + dtype());
        }
        requiresGrad = value;
        return this;
    }

    public Tensor grad() {
        return grad;
    }

    public void setGrad(Tensor g) {
        if (g != null && !Shape.same(g.shape, shape)) {
            throw new IllegalArgumentException("setGrad: gradient shape " + Shape.str(g.shape)
                    + " does not match tensor shape " + Shape.str(shape));
        }
        grad = g;
    }

    public void zeroGrad() {
        grad = null;
    }

    public Node gradFn() {
        return gradFn;
    }

    public boolean isLeaf() {
        return gradFn == null;
    }

    /** Internal: called by {@link Autograd#record}. */
    public void attachGradFn(Node node) {
        gradFn = node;
        requiresGrad = true;
    }

    /** Keeps this non-leaf tensor's gradient after backward (leaves keep theirs anyway). */
    public Tensor retainGrad() {
        if (gradFn != null) gradFn.retain(this);
        return this;
    }

    /** The same data, cut from the graph. */
    public Tensor detach() {
        return new Tensor(storage, shape, strides, offset);
    }

    public void backward() {
        Autograd.backward(this, null, false);
    }

    public void backward(Tensor gradient) {
        Autograd.backward(this, gradient, false);
    }

    public void backward(Tensor gradient, boolean retainGraph) {
        Autograd.backward(this, gradient, retainGraph);
    }

    /** Turns graph recording off until the returned scope is closed. */
    public static GradMode noGrad() {
        return GradMode.disabled();
    }

    // ---------------------------------------------------------------- in-place (no autograd)

    /** this += other (other broadcast to this shape). Not recorded: for gradients and optimizers. */
    public Tensor addInPlace(Tensor other) {
        Elementwise.addInPlace(this, other, 1f);
        return this;
    }

    /** this += alpha * other. Not recorded. */
    public Tensor addInPlace(Tensor other, float alpha) {
        Elementwise.addInPlace(this, other, alpha);
        return this;
    }

    /** Copies other's values into this tensor (same shape). Not recorded. */
    public Tensor copyFrom(Tensor other) {
        Elementwise.copyInto(this, other);
        return this;
    }

    /** Fills with a constant. Not recorded. */
    public Tensor fill(float value) {
        Elementwise.fill(this, value);
        return this;
    }

    /** A new contiguous tensor with the same values (never shares storage). */
    public Tensor contiguousCopy() {
        return wrap(toFloatArray(), shape);
    }

    // ---------------------------------------------------------------- views

    public Tensor view(int... newShape) {
        int[] target = Views.inferShape("view", shape, newShape);
        Tensor out = Views.view(this, target);
        int[] in = shape;
        return Autograd.record(out, "view", g -> Derivatives.reshape(g, in), this);
    }

    /** A view when the strides allow it, a copy otherwise. */
    public Tensor reshape(int... newShape) {
        int[] target = Views.inferShape("reshape", shape, newShape);
        Tensor out = Views.canView(this, target) ? Views.view(this, target) : Views.view(contiguousRaw(), target);
        int[] in = shape;
        return Autograd.record(out, "reshape", g -> Derivatives.reshape(g, in), this);
    }

    public Tensor flatten() {
        return reshape(numel());
    }

    public Tensor permute(int... dims) {
        int[] p = Views.checkPermutation(dims, shape.length);
        Tensor out = Views.permute(this, p);
        return Autograd.record(out, "permute", g -> Derivatives.permute(g, p), this);
    }

    public Tensor transpose(int d0, int d1) {
        int a = Shape.dim("transpose", d0, shape.length);
        int b = Shape.dim("transpose", d1, shape.length);
        int[] p = new int[shape.length];
        for (int i = 0; i < p.length; i++) p[i] = i;
        p[a] = b;
        p[b] = a;
        return permute(p);
    }

    /** Transpose of a 2-D tensor (1-D and 0-D unchanged), like torch.Tensor.t(). */
    public Tensor t() {
        if (shape.length > 2) {
            throw new IllegalArgumentException("t: expects a tensor of rank <= 2, got shape " + Shape.str(shape));
        }
        return shape.length < 2 ? this : transpose(0, 1);
    }

    public Tensor narrow(int dim, int start, int length) {
        int d = Shape.dim("narrow", dim, shape.length);
        if (start < 0) start += shape[d];
        if (start < 0 || length < 0 || start + length > shape[d]) {
            throw new IllegalArgumentException("narrow: start " + start + " length " + length
                    + " out of range for dim " + dim + " of size " + shape[d] + " in shape " + Shape.str(shape));
        }
        int[] s = shape.clone();
        s[d] = length;
        Tensor out = new Tensor(storage, s, strides, offset + start * strides[d]);
        int[] in = shape;
        int st = start;
        return Autograd.record(out, "narrow", g -> Derivatives.narrow(g, in, d, st), this);
    }

    /** Elements start..end-1 along dim (negative indices count from the end). */
    public Tensor slice(int dim, int start, int end) {
        int d = Shape.dim("slice", dim, shape.length);
        int n = shape[d];
        int s = Math.max(0, Math.min(n, start < 0 ? start + n : start));
        int e = Math.max(s, Math.min(n, end < 0 ? end + n : end));
        return narrow(d, s, e - s);
    }

    /** Row i along dim 0 (rank drops by one). */
    public Tensor select(int dim, int index) {
        int d = Shape.dim("select", dim, shape.length);
        int ix = index < 0 ? index + shape[d] : index;
        if (ix < 0 || ix >= shape[d]) {
            throw new IndexOutOfBoundsException("select: index " + index + " out of range for dim " + dim
                    + " of size " + shape[d]);
        }
        return narrow(d, ix, 1).squeeze(d);
    }

    /** Broadcasts size-1 dims (and new leading dims) to {@code sizes} without copying; -1 keeps a size. */
    public Tensor expand(int... sizes) {
        Tensor out = Views.expand(this, sizes);
        int[] in = shape;
        return Autograd.record(out, "expand", g -> Derivatives.sumTo(g, in), this);
    }

    public Tensor expandAs(Tensor other) {
        return expand(other.shape);
    }

    public Tensor squeeze(int dim) {
        int d = Shape.dim("squeeze", dim, shape.length);
        if (shape[d] != 1) return this;
        return reshape(Views.removeDim(shape, d));
    }

    public Tensor squeeze() {
        int kept = 0;
        for (int s : shape) if (s != 1) kept++;
        int[] ns = new int[kept];
        int j = 0;
        for (int s : shape) if (s != 1) ns[j++] = s;
        return reshape(ns);
    }

    public Tensor unsqueeze(int dim) {
        int d = Shape.dim("unsqueeze", dim, shape.length + 1);
        int[] ns = new int[shape.length + 1];
        for (int i = 0, j = 0; i < ns.length; i++) ns[i] = i == d ? 1 : shape[j++];
        return reshape(ns);
    }

    /** This tensor if already contiguous, else a contiguous copy (recorded as identity for autograd). */
    public Tensor contiguous() {
        if (isContiguous() && storage instanceof Storage.Floats) return this;
        Tensor out = contiguousRaw();
        return Autograd.record(out, "contiguous", g -> new Tensor[] {g}, this);
    }

    private Tensor contiguousRaw() {
        if (storage instanceof Storage.Ints ints) return wrapInts(Views.gatherInts(ints.data(), shape, strides, offset), shape);
        return wrap(toFloatArray(), shape);
    }

    // ---------------------------------------------------------------- elementwise

    public Tensor add(Tensor o) {
        Tensor out = Elementwise.binary(BinaryOp.ADD, this, o);
        return Autograd.record(out, "add", Derivatives::add, this, o);
    }

    public Tensor add(float s) {
        Tensor out = Elementwise.binaryScalar(BinaryOp.ADD, this, s);
        return Autograd.record(out, "add", g -> new Tensor[] {g}, this);
    }

    public Tensor sub(Tensor o) {
        Tensor out = Elementwise.binary(BinaryOp.SUB, this, o);
        return Autograd.record(out, "sub", Derivatives::sub, this, o);
    }

    public Tensor sub(float s) {
        Tensor out = Elementwise.binaryScalar(BinaryOp.SUB, this, s);
        return Autograd.record(out, "sub", g -> new Tensor[] {g}, this);
    }

    public Tensor mul(Tensor o) {
        Tensor out = Elementwise.binary(BinaryOp.MUL, this, o);
        return Autograd.record(out, "mul", g -> Derivatives.mul(g, this, o), this, o);
    }

    public Tensor mul(float s) {
        Tensor out = Elementwise.binaryScalar(BinaryOp.MUL, this, s);
        return Autograd.record(out, "mul", g -> new Tensor[] {g.mul(s)}, this);
    }

    public Tensor div(Tensor o) {
        Tensor out = Elementwise.binary(BinaryOp.DIV, this, o);
        return Autograd.record(out, "div", g -> Derivatives.div(g, this, o, out), this, o);
    }

    public Tensor div(float s) {
        Tensor out = Elementwise.binaryScalar(BinaryOp.DIV, this, s);
        return Autograd.record(out, "div", g -> new Tensor[] {g.div(s)}, this);
    }

    public Tensor neg() {
        return unary(UnaryOp.NEG);
    }

    public Tensor pow(float p) {
        Tensor out = Elementwise.binaryScalar(BinaryOp.POW, this, p);
        return Autograd.record(out, "pow", g -> Derivatives.powScalar(g, this, p), this);
    }

    public Tensor pow(Tensor p) {
        Tensor out = Elementwise.binary(BinaryOp.POW, this, p);
        return Autograd.record(out, "pow", g -> Derivatives.pow(g, this, p, out), this, p);
    }

    public Tensor exp() {
        return unary(UnaryOp.EXP);
    }

    public Tensor log() {
        return unary(UnaryOp.LOG);
    }

    public Tensor sqrt() {
        return unary(UnaryOp.SQRT);
    }

    public Tensor rsqrt() {
        return unary(UnaryOp.RSQRT);
    }

    public Tensor abs() {
        return unary(UnaryOp.ABS);
    }

    public Tensor square() {
        return unary(UnaryOp.SQUARE);
    }

    public Tensor relu() {
        return unary(UnaryOp.RELU);
    }

    /** GELU, exact erf form (PyTorch's default). */
    public Tensor gelu() {
        return unary(UnaryOp.GELU);
    }

    /** GELU, tanh approximation (GPT-2's). */
    public Tensor geluTanh() {
        return unary(UnaryOp.GELU_TANH);
    }

    public Tensor silu() {
        return unary(UnaryOp.SILU);
    }

    public Tensor sigmoid() {
        return unary(UnaryOp.SIGMOID);
    }

    public Tensor tanh() {
        return unary(UnaryOp.TANH);
    }

    /** -1, 0 or 1 by sign (not differentiable). */
    public Tensor sign() {
        return Elementwise.unary(UnaryOp.SIGN, this);
    }

    private Tensor unary(UnaryOp op) {
        Tensor out = Elementwise.unary(op, this);
        return Autograd.record(out, op.label, g -> Derivatives.unary(op, g, this, out), this);
    }

    public Tensor clamp(float min, float max) {
        if (min > max) throw new IllegalArgumentException("clamp: min " + min + " > max " + max);
        Tensor out = Elementwise.clamp(this, min, max);
        return Autograd.record(out, "clamp", g -> Derivatives.clamp(g, this, min, max), this);
    }

    public Tensor clampMin(float min) {
        return clamp(min, Float.POSITIVE_INFINITY);
    }

    public Tensor maximum(Tensor o) {
        Tensor out = Elementwise.binary(BinaryOp.MAX, this, o);
        return Autograd.record(out, "maximum", g -> Derivatives.maximum(g, this, o), this, o);
    }

    public Tensor minimum(Tensor o) {
        Tensor out = Elementwise.binary(BinaryOp.MIN, this, o);
        return Autograd.record(out, "minimum", g -> Derivatives.maximum(g, o, this), this, o);
    }

    public Tensor eq(Tensor o) {
        return Elementwise.binary(BinaryOp.EQ, this, o);
    }

    public Tensor ne(Tensor o) {
        return Elementwise.binary(BinaryOp.NE, this, o);
    }

    public Tensor lt(Tensor o) {
        return Elementwise.binary(BinaryOp.LT, this, o);
    }

    public Tensor le(Tensor o) {
        return Elementwise.binary(BinaryOp.LE, this, o);
    }

    public Tensor gt(Tensor o) {
        return Elementwise.binary(BinaryOp.GT, this, o);
    }

    public Tensor ge(Tensor o) {
        return Elementwise.binary(BinaryOp.GE, this, o);
    }

    public Tensor gt(float s) {
        return Elementwise.binaryScalar(BinaryOp.GT, this, s);
    }

    public Tensor lt(float s) {
        return Elementwise.binaryScalar(BinaryOp.LT, this, s);
    }

    public Tensor eq(float s) {
        return Elementwise.binaryScalar(BinaryOp.EQ, this, s);
    }

    /** Elementwise choice: a where cond is nonzero, b elsewhere (all three broadcast). */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Tensor out = Elementwise.where(cond, a, b);
        return Autograd.record(out, "where", g -> Derivatives.where(g, cond), a, b);
    }

    /** value where mask is nonzero, this elsewhere. */
    public Tensor maskedFill(Tensor mask, float value) {
        Tensor out = Elementwise.where(mask, scalar(value), this);
        if (!Shape.same(out.shape, shape)) {
            throw new IllegalArgumentException("maskedFill: mask shape " + Shape.str(mask.shape)
                    + " does not broadcast to " + Shape.str(shape));
        }
        return Autograd.record(out, "maskedFill", g -> Derivatives.maskedFill(g, mask), this);
    }

    // ---------------------------------------------------------------- softmax family

    public Tensor softmax(int dim) {
        int d = Shape.dim("softmax", dim, Math.max(1, shape.length));
        Tensor out = Reductions.softmax(this, d, false);
        return Autograd.record(out, "softmax", g -> Derivatives.softmax(g, out, d), this);
    }

    public Tensor logSoftmax(int dim) {
        int d = Shape.dim("logSoftmax", dim, Math.max(1, shape.length));
        Tensor out = Reductions.softmax(this, d, true);
        return Autograd.record(out, "logSoftmax", g -> Derivatives.logSoftmax(g, out, d), this);
    }

    // ---------------------------------------------------------------- reductions

    public Tensor sum() {
        return sum(Reductions.allDims(shape.length), false);
    }

    public Tensor sum(int dim, boolean keepdim) {
        return sum(new int[] {dim}, keepdim);
    }

    public Tensor sum(int[] dims, boolean keepdim) {
        boolean[] r = Reductions.reducedMask("sum", dims, shape.length);
        Tensor out = Reductions.sum(this, r, keepdim);
        int[] in = shape;
        return Autograd.record(out, "sum", g -> Derivatives.sum(g, in, r, keepdim, 1f), this);
    }

    public Tensor mean() {
        return mean(Reductions.allDims(shape.length), false);
    }

    public Tensor mean(int dim, boolean keepdim) {
        return mean(new int[] {dim}, keepdim);
    }

    public Tensor mean(int[] dims, boolean keepdim) {
        boolean[] r = Reductions.reducedMask("mean", dims, shape.length);
        int count = Reductions.count(shape, r);
        Tensor s = Reductions.sum(this, r, keepdim);
        Tensor out = Elementwise.binaryScalar(BinaryOp.DIV, s, count);
        int[] in = shape;
        return Autograd.record(out, "mean", g -> Derivatives.sum(g, in, r, keepdim, 1f / count), this);
    }

    /** Variance with Bessel-style correction (1 = unbiased, 0 = population). */
    public Tensor var(int[] dims, int correction, boolean keepdim) {
        boolean[] r = Reductions.reducedMask("var", dims, shape.length);
        int count = Reductions.count(shape, r);
        Tensor centered, out;
        try (GradMode ignored = GradMode.disabled()) {
            Tensor mean = Reductions.sum(this, r, true).div(count);
            centered = sub(mean);
            out = Reductions.sum(centered.square(), r, keepdim).div(Math.max(0, count - correction));
        }
        int[] in = shape;
        Tensor c = centered;
        return Autograd.record(out, "var", g -> Derivatives.var(g, c, in, r, keepdim, count - correction), this);
    }

    public Tensor var(int dim, boolean keepdim) {
        return var(new int[] {dim}, 1, keepdim);
    }

    public Tensor max() {
        return flatten().max(0, false);
    }

    public Tensor min() {
        return flatten().min(0, false);
    }

    /** Maximum along dim; the gradient flows to the (first) position of the maximum. */
    public Tensor max(int dim, boolean keepdim) {
        return extremum("max", dim, keepdim, true);
    }

    public Tensor min(int dim, boolean keepdim) {
        return extremum("min", dim, keepdim, false);
    }

    private Tensor extremum(String op, int dim, boolean keepdim, boolean isMax) {
        int d = Shape.dim(op, dim, Math.max(1, shape.length));
        Tensor idx = Reductions.argExtremum(this, d, true, isMax);
        Tensor values = Indexing.gather(this, d, idx);
        Tensor out = keepdim ? values : Views.view(values, Views.removeDim(values.shape, d));
        int[] in = shape;
        return Autograd.record(out, op, g -> Derivatives.extremum(g, idx, in, d, keepdim), this);
    }

    public Tensor argmax(int dim, boolean keepdim) {
        int d = Shape.dim("argmax", dim, Math.max(1, shape.length));
        return Reductions.argExtremum(this, d, keepdim, true);
    }

    public Tensor argmin(int dim, boolean keepdim) {
        int d = Shape.dim("argmin", dim, Math.max(1, shape.length));
        return Reductions.argExtremum(this, d, keepdim, false);
    }

    /** Sums broadcast dims away so the result has {@code target}'s shape (the reverse of expand). */
    public Tensor sumTo(int[] target) {
        return Reductions.sumTo(this, target);
    }

    // ---------------------------------------------------------------- linear algebra

    /** torch.matmul: 1-D, 2-D and batched operands, broadcasting batch dims; transposed views are not copied. */
    public Tensor matmul(Tensor o) {
        return Linalg.matmul(this, o);
    }

    /**
     * Scaled dot-product attention softmax(q kᵀ / √D [+ causal mask]) v, fused: no T×T matrix per head
     * is materialised. q (B, H, Tq, D); k, v (B, Hkv, Tk, D) with H a multiple of Hkv (grouped-query
     * attention). Causal rows are aligned to the end of the keys, so Tq new tokens can attend to a
     * cached prefix.
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, boolean causal) {
        return Attention.apply(q, k, v, causal);
    }

    // ---------------------------------------------------------------- indexing and joining

    public Tensor indexSelect(int dim, Tensor index) {
        int d = Shape.dim("indexSelect", dim, shape.length);
        Tensor out = Indexing.indexSelect(this, d, index);
        int[] in = shape;
        return Autograd.record(out, "indexSelect", g -> Derivatives.indexSelect(g, in, d, index), this);
    }

    public Tensor gather(int dim, Tensor index) {
        int d = Shape.dim("gather", dim, shape.length);
        Tensor out = Indexing.gather(this, d, index);
        int[] in = shape;
        return Autograd.record(out, "gather", g -> Derivatives.gather(g, in, d, index), this);
    }

    /** Rows of {@code weight} (V, C) picked by integer {@code ids} of any shape → (..., C). */
    public static Tensor embedding(Tensor weight, Tensor ids) {
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("embedding: weight must be 2-D (vocab, dim), got " + Shape.str(weight.shape));
        }
        int[] idShape = ids.shape;
        Tensor flat = weight.indexSelect(0, ids.reshape(ids.numel()));
        int[] outShape = java.util.Arrays.copyOf(idShape, idShape.length + 1);
        outShape[idShape.length] = weight.shape[1];
        return flat.reshape(outShape);
    }

    /** Out-of-place scatter-add: a copy of this with src added at index along dim. */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) {
        int d = Shape.dim("scatterAdd", dim, shape.length);
        Tensor out = Indexing.scatterAdd(this, d, index, src);
        return Autograd.record(out, "scatterAdd", g -> Derivatives.scatterAdd(g, d, index), this, src);
    }

    public static Tensor cat(int dim, Tensor... ts) {
        if (ts.length == 0) throw new IllegalArgumentException("cat: needs at least one tensor");
        int d = Shape.dim("cat", dim, ts[0].dim());
        Tensor out = Indexing.cat(d, ts);
        int[] sizes = new int[ts.length];
        for (int i = 0; i < ts.length; i++) sizes[i] = ts[i].shape[d];
        return Autograd.record(out, "cat", g -> Derivatives.cat(g, d, sizes), ts);
    }

    public static Tensor cat(int dim, List<Tensor> ts) {
        return cat(dim, ts.toArray(new Tensor[0]));
    }

    public static Tensor stack(int dim, Tensor... ts) {
        if (ts.length == 0) throw new IllegalArgumentException("stack: needs at least one tensor");
        int d = Shape.dim("stack", dim, ts[0].dim() + 1);
        Tensor[] us = new Tensor[ts.length];
        for (int i = 0; i < ts.length; i++) {
            if (!Shape.same(ts[i].shape, ts[0].shape)) {
                throw new IllegalArgumentException("stack: tensor " + i + " has shape " + Shape.str(ts[i].shape)
                        + " but tensor 0 has " + Shape.str(ts[0].shape));
            }
            us[i] = ts[i].unsqueeze(d);
        }
        return cat(d, us);
    }

    /** Pieces of {@code splitSize} along dim (the last may be smaller); views. */
    public List<Tensor> split(int splitSize, int dim) {
        int d = Shape.dim("split", dim, shape.length);
        if (splitSize <= 0) throw new IllegalArgumentException("split: split size must be positive, got " + splitSize);
        List<Tensor> out = new java.util.ArrayList<>();
        for (int s = 0; s < Math.max(1, shape[d]); s += splitSize) {
            out.add(narrow(d, s, Math.min(splitSize, shape[d] - s)));
        }
        return out;
    }

    /** {@code chunks} pieces along dim of size ceil(n / chunks) (fewer when n is small), like torch.chunk. */
    public List<Tensor> chunk(int chunks, int dim) {
        if (chunks <= 0) throw new IllegalArgumentException("chunk: chunks must be positive, got " + chunks);
        int d = Shape.dim("chunk", dim, shape.length);
        int size = Math.max(1, (shape[d] + chunks - 1) / chunks);
        return split(size, d);
    }

    /** Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p). */
    public Tensor dropout(float p, boolean training, Rng rng) {
        if (p < 0 || p > 1) throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
        if (!training || p == 0) return this;
        Tensor mask = Indexing.dropoutMask(shape, p, rng);
        return mul(mask);
    }

    /** One-hot F32 encoding of integer classes: shape (..., numClasses). */
    public static Tensor oneHot(Tensor index, int numClasses) {
        return Indexing.oneHot(index, numClasses);
    }

    // ---------------------------------------------------------------- printing

    @Override
    public String toString() {
        return TensorFormat.format(this);
    }
}
