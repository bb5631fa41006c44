package dev.moxing.nn.layers;

import dev.moxing.autograd.Autograd;
import dev.moxing.parallel.WorkerPool;
import dev.moxing.tensor.Tensor;

/**
 * Max and average pooling over the planes of an NCHW tensor, fused forward/backward pairs. Every
 * (n, c) plane is independent, so both directions split the planes over the worker pool (no two
 * chunks write the same element, so there is nothing to reduce and no race).
 */
final class PoolKernel {
    private PoolKernel() {
    }

    /** planes = N·C images of h × w; window kh × kw, stride, padding; output (outH, outW) per plane. */
    record Geometry(int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw) {
        int outH() {
            return (h + 2 * ph - kh) / sh + 1;
        }

        int outW() {
            return (w + 2 * pw - kw) / sw + 1;
        }
    }

    /** Multiply-adds per chunk below which splitting is not worth a hand-off to the pool. */
    private static final int GRAIN_WORK = 32 * 1024;

    private static void forPlanes(Geometry g, WorkerPool.RangeBody body) {
        int perPlane = Math.max(1, g.outH() * g.outW() * g.kh() * g.kw());
        WorkerPool.shared().parallelFor(0, g.planes(), Math.max(1, GRAIN_WORK / perPlane), body);
    }

    /** Max pooling; the backward pass routes each gradient to the (first) maximum of its window. */
    static Tensor max(Tensor input, Geometry g, int[] outShape) {
        Tensor x = input.contiguous();
        float[] xs = x.buffer();
        int xOff = x.offset(), oh = g.outH(), ow = g.outW(), hw = g.h() * g.w();
        float[] y = new float[g.planes() * oh * ow];
        int[] arg = new int[y.length]; // index of the maximum within its plane
        forPlanes(g, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int base = xOff + p * hw;
                for (int oy = 0; oy < oh; oy++) {
                    int y0 = oy * g.sh() - g.ph(), ys = Math.max(0, y0), ye = Math.min(g.h(), y0 + g.kh());
                    for (int ox = 0; ox < ow; ox++) {
                        int x0 = ox * g.sw() - g.pw(), xs0 = Math.max(0, x0), xe = Math.min(g.w(), x0 + g.kw());
                        float best = Float.NEGATIVE_INFINITY;
                        int at = ys * g.w() + xs0;
                        for (int iy = ys; iy < ye; iy++) {
                            for (int ix = xs0; ix < xe; ix++) {
                                float v = xs[base + iy * g.w() + ix];
                                if (v > best || Float.isNaN(v)) { // NaN propagates, as in PyTorch
                                    best = v;
                                    at = iy * g.w() + ix;
                                }
                            }
                        }
                        int o = (p * oh + oy) * ow + ox;
                        y[o] = best;
                        arg[o] = at;
                    }
                }
            }
        });
        int[] inShape = input.shape();
        return Autograd.record(Tensor.fromArray(y, outShape), "maxPool2d", grad -> {
            Tensor gc = grad.contiguous();
            float[] gy = gc.buffer();
            int gOff = gc.offset();
            float[] dx = new float[g.planes() * hw];
            forPlanes(g, (p0, p1) -> {
                for (int p = p0; p < p1; p++) {
                    for (int o = p * oh * ow, e = o + oh * ow; o < e; o++) dx[p * hw + arg[o]] += gy[gOff + o];
                }
            });
            return new Tensor[] {Tensor.fromArray(dx, inShape)};
        }, x);
    }

    /**
     * Average pooling. countIncludePad: divide by the full window (PyTorch's default), else by the
     * number of window positions inside the image.
     */
    static Tensor avg(Tensor input, Geometry g, boolean countIncludePad, int[] outShape) {
        Tensor x = input.contiguous();
        float[] xs = x.buffer();
        int xOff = x.offset(), oh = g.outH(), ow = g.outW(), hw = g.h() * g.w();
        float[] y = new float[g.planes() * oh * ow];
        forPlanes(g, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int base = xOff + p * hw;
                for (int oy = 0; oy < oh; oy++) {
                    int y0 = oy * g.sh() - g.ph(), ys = Math.max(0, y0), ye = Math.min(g.h(), y0 + g.kh());
                    for (int ox = 0; ox < ow; ox++) {
                        int x0 = ox * g.sw() - g.pw(), xs0 = Math.max(0, x0), xe = Math.min(g.w(), x0 + g.kw());
                        float s = 0;
                        for (int iy = ys; iy < ye; iy++) {
                            for (int ix = xs0; ix < xe; ix++) s += xs[base + iy * g.w() + ix];
                        }
                        y[(p * oh + oy) * ow + ox] = s / divisor(g, countIncludePad, ys, ye, xs0, xe);
                    }
                }
            }
        });
        int[] inShape = input.shape();
        return Autograd.record(Tensor.fromArray(y, outShape), "avgPool2d", grad -> {
            Tensor gc = grad.contiguous();
            float[] gy = gc.buffer();
            int gOff = gc.offset();
            float[] dx = new float[g.planes() * hw];
            forPlanes(g, (p0, p1) -> {
                for (int p = p0; p < p1; p++) {
                    int base = p * hw;
                    for (int oy = 0; oy < oh; oy++) {
                        int y0 = oy * g.sh() - g.ph(), ys = Math.max(0, y0), ye = Math.min(g.h(), y0 + g.kh());
                        for (int ox = 0; ox < ow; ox++) {
                            int x0 = ox * g.sw() - g.pw(), xs0 = Math.max(0, x0), xe = Math.min(g.w(), x0 + g.kw());
                            float share = gy[gOff + (p * oh + oy) * ow + ox] / divisor(g, countIncludePad, ys, ye, xs0, xe);
                            for (int iy = ys; iy < ye; iy++) {
                                for (int ix = xs0; ix < xe; ix++) dx[base + iy * g.w() + ix] += share;
                            }
                        }
                    }
                }
            });
            return new Tensor[] {Tensor.fromArray(dx, inShape)};
        }, x);
    }

    private static int divisor(Geometry g, boolean countIncludePad, int ys, int ye, int xs, int xe) {
        // Without ceil mode a window never extends past the padding, so "including padding" is the full window.
        return countIncludePad ? g.kh() * g.kw() : (ye - ys) * (xe - xs);
    }
}
