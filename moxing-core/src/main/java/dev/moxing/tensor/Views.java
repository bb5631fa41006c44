package dev.moxing.tensor;

import dev.moxing.parallel.WorkerPool;

/** Views (new shape/strides over the same storage) and strided gathers into contiguous arrays. */
final class Views {
    private Views() {
    }

    /** Resolves one -1 and checks the element count. */
    static int[] inferShape(String op, int[] from, int[] to) {
        int n = Shape.numel(from);
        int infer = -1;
        long known = 1;
        for (int i = 0; i < to.length; i++) {
            if (to[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException(op + ": only one dimension can be -1, got " + Shape.str(to));
                infer = i;
            } else if (to[i] < 0) {
                throw new IllegalArgumentException(op + ": invalid dimension " + to[i] + " in " + Shape.str(to));
            } else {
                known *= to[i];
            }
        }
        int[] out = to.clone();
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException(op + ": shape " + Shape.str(to) + " is invalid for input of shape "
                        + Shape.str(from) + " (" + n + " elements)");
            }
            out[infer] = (int) (n / known);
        } else if (known != n) {
            throw new IllegalArgumentException(op + ": shape " + Shape.str(to) + " is invalid for input of shape "
                    + Shape.str(from) + " (" + n + " elements)");
        }
        return out;
    }

    static boolean canView(Tensor t, int[] target) {
        return viewStrides(t.shapeRef(), t.stridesRef(), target) != null;
    }

    static Tensor view(Tensor t, int[] target) {
        int[] st = viewStrides(t.shapeRef(), t.stridesRef(), target);
        if (st == null) {
            throw new IllegalArgumentException("view: shape " + Shape.str(target) + " is not compatible with the strides of "
                    + "the input of shape " + Shape.str(t.shapeRef()) + "; use reshape() (it copies)");
        }
        return new Tensor(t.storage(), target.clone(), st, t.offset());
    }

    /**
     * Strides for viewing (shape, strides) as target without copying, or null. Groups of old dims
     * that are contiguous among themselves can be split or merged freely (PyTorch's rule).
     */
    static int[] viewStrides(int[] shape, int[] strides, int[] target) {
        int[] out = new int[target.length];
        if (Shape.numel(shape) == 0 || shape.length == 0) return Shape.contiguousStrides(target);
        int viewD = target.length - 1;
        long chunkBase = strides[strides.length - 1];
        long tensorNumel = 1, viewNumel = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            tensorNumel *= shape[d];
            if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || target[viewD] == 1)) {
                    out[viewD] = (int) (viewNumel * chunkBase);
                    viewNumel *= target[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0) {
                    chunkBase = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        if (viewD != -1) return null;
        return out;
    }

    static int[] checkPermutation(int[] dims, int rank) {
        if (dims.length != rank) {
            throw new IllegalArgumentException("permute: " + dims.length + " dims given for a tensor of rank " + rank);
        }
        int[] p = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            int d = Shape.dim("permute", dims[i], rank);
            if (seen[d]) throw new IllegalArgumentException("permute: dim " + d + " repeated in " + Shape.str(dims));
            seen[d] = true;
            p[i] = d;
        }
        return p;
    }

    static Tensor permute(Tensor t, int[] p) {
        int[] s = new int[p.length], st = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            s[i] = t.shapeRef()[p[i]];
            st[i] = t.stridesRef()[p[i]];
        }
        return new Tensor(t.storage(), s, st, t.offset());
    }

    static Tensor expand(Tensor t, int[] sizes) {
        int[] shape = t.shapeRef(), strides = t.stridesRef();
        if (sizes.length < shape.length) {
            throw new IllegalArgumentException("expand: target " + Shape.str(sizes) + " has fewer dims than "
                    + Shape.str(shape));
        }
        int lead = sizes.length - shape.length;
        int[] s = new int[sizes.length], st = new int[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            int want = sizes[i];
            if (i < lead) {
                if (want < 0) throw new IllegalArgumentException("expand: -1 not allowed for new leading dim " + i);
                s[i] = want;
                st[i] = 0;
                continue;
            }
            int have = shape[i - lead];
            if (want == -1 || want == have) {
                s[i] = have;
                st[i] = strides[i - lead];
            } else if (have == 1) {
                s[i] = want;
                st[i] = 0;
            } else {
                throw new IllegalArgumentException("expand: cannot expand " + Shape.str(shape) + " to "
                        + Shape.str(sizes) + " (dim " + i + " has size " + have + ", not 1)");
            }
        }
        return new Tensor(t.storage(), s, st, t.offset());
    }

    /** A view with dim d moved last and the other dims in order (rows along d become contiguous after a copy). */
    static Tensor moveDimLast(Tensor t, int d) {
        int rank = t.dim();
        if (d == rank - 1) return t;
        int[] order = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) if (i != d) order[j++] = i;
        order[rank - 1] = d;
        return permute(t, order);
    }

    /** A contiguous tensor of shape {@code shape} from one laid out as {@link #moveDimLast}(·, d) left it. */
    static Tensor moveLastDimBack(Tensor t, int d, int[] shape) {
        int rank = t.dim();
        if (d == rank - 1) return t;
        int[] back = new int[rank]; // inverse of moveDimLast's order
        for (int i = 0; i < rank; i++) back[i] = i < d ? i : i == d ? rank - 1 : i - 1;
        return Tensor.wrap(permute(t, back).toFloatArray(), shape);
    }

    static int[] removeDim(int[] shape, int d) {
        int[] out = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) if (i != d) out[j++] = shape[i];
        return out;
    }

    /** Row-major copy of a strided float view. */
    static float[] gather(float[] src, int[] shape, int[] strides, int offset) {
        int n = Shape.numel(shape);
        float[] out = new float[n];
        if (n == 0) return out;
        StridedLoop loop = StridedLoop.of(shape, Shape.contiguousStrides(shape), strides);
        int inner = loop.inner();
        int is = loop.innerStride(1);
        WorkerPool.shared().parallelFor(0, loop.rows(), Math.max(1, Elementwise.GRAIN / Math.max(1, inner)), (r0, r1) -> {
            int[] offs = new int[2];
            for (int r = r0; r < r1; r++) {
                loop.offsets(r, 0, offset, offs);
                int o = offs[0], s = offs[1];
                if (is == 1) {
                    System.arraycopy(src, s, out, o, inner);
                } else {
                    for (int i = 0; i < inner; i++) out[o + i] = src[s + i * is];
                }
            }
        });
        return out;
    }

    static int[] gatherInts(int[] src, int[] shape, int[] strides, int offset) {
        int n = Shape.numel(shape);
        int[] out = new int[n];
        if (n == 0) return out;
        StridedLoop loop = StridedLoop.of(shape, Shape.contiguousStrides(shape), strides);
        int inner = loop.inner(), is = loop.innerStride(1);
        int[] offs = new int[2];
        for (int r = 0; r < loop.rows(); r++) {
            loop.offsets(r, 0, offset, offs);
            for (int i = 0; i < inner; i++) out[offs[0] + i] = src[offs[1] + i * is];
        }
        return out;
    }
}
