package dev.moxing.optim;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fused Adam/AdamW update over one range of a parameter: one pass reads p, g, m, v (and vmax)
 * and writes them back. The vector loop and its scalar twin ({@link #scalar}, also the tail) do
 * the same float operations in the same order, fma for fma, so they agree bit for bit and a
 * parameter's result does not depend on its length, offset or how the range was split.
 *
 * <pre>
 * g' = p * l2 + g                      (Adam's L2 decay; l2 = 0 for AdamW)
 * p  = p * decay                       (AdamW's decoupled decay 1 - lr * wd; 1 for Adam)
 * m  = g' * (1 - b1) + m * b1
 * v  = (g' * (1 - b2)) * g' + v * b2
 * vmax = max(vmax, v)                  (amsgrad; v below means vmax)
 * p  = p - stepSize * (m / (sqrt(v) / sqrt(bc2) + eps))
 * </pre>
 */
final class AdamKernel {
    private AdamKernel() {
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Per-step constants, computed in double and rounded to float once. */
    record Step(float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float l2, float decay,
                float stepSize, float bc2Sqrt, float eps) {

        static Step of(double beta1, double beta2, double l2, double decay, double stepSize, double bc2Sqrt,
                       double eps) {
            return new Step((float) beta1, (float) (1 - beta1), (float) beta2, (float) (1 - beta2), (float) l2,
                    (float) decay, (float) stepSize, (float) bc2Sqrt, (float) eps);
        }
    }

    /** Updates elements [from, to): p and g at offsets po/go, state arrays from 0; vmax null unless amsgrad. */
    static void update(float[] p, int po, float[] g, int go, float[] m, float[] v, float[] vmax, int from, int to,
                       Step k) {
        var b1 = FloatVector.broadcast(S, k.beta1());
        var omb1 = FloatVector.broadcast(S, k.oneMinusBeta1());
        var b2 = FloatVector.broadcast(S, k.beta2());
        var omb2 = FloatVector.broadcast(S, k.oneMinusBeta2());
        var l2 = FloatVector.broadcast(S, k.l2());
        var decay = FloatVector.broadcast(S, k.decay());
        var negStep = FloatVector.broadcast(S, -k.stepSize());
        var bc2 = FloatVector.broadcast(S, k.bc2Sqrt());
        var eps = FloatVector.broadcast(S, k.eps());
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            var pv = FloatVector.fromArray(S, p, po + i);
            var gv = pv.fma(l2, FloatVector.fromArray(S, g, go + i));
            pv = pv.mul(decay);
            var mv = gv.fma(omb1, FloatVector.fromArray(S, m, i).mul(b1));
            var vv = gv.mul(omb2).fma(gv, FloatVector.fromArray(S, v, i).mul(b2));
            mv.intoArray(m, i);
            vv.intoArray(v, i);
            if (vmax != null) {
                vv = FloatVector.fromArray(S, vmax, i).max(vv);
                vv.intoArray(vmax, i);
            }
            var denom = vv.sqrt().div(bc2).add(eps);
            mv.div(denom).fma(negStep, pv).intoArray(p, po + i);
        }
        scalar(p, po, g, go, m, v, vmax, i, to, k);
    }

    /** The scalar reference (and vector tail): identical arithmetic, element by element. */
    static void scalar(float[] p, int po, float[] g, int go, float[] m, float[] v, float[] vmax, int from, int to,
                       Step k) {
        float b1 = k.beta1(), omb1 = k.oneMinusBeta1(), b2 = k.beta2(), omb2 = k.oneMinusBeta2();
        float l2 = k.l2(), decay = k.decay(), negStep = -k.stepSize(), bc2 = k.bc2Sqrt(), eps = k.eps();
        for (int i = from; i < to; i++) {
            float pi = p[po + i];
            float gi = Math.fma(pi, l2, g[go + i]);
            pi = pi * decay;
            float mi = Math.fma(gi, omb1, m[i] * b1);
            float vi = Math.fma(gi * omb2, gi, v[i] * b2);
            m[i] = mi;
            v[i] = vi;
            if (vmax != null) {
                vi = Math.max(vmax[i], vi);
                vmax[i] = vi;
            }
            float denom = (float) Math.sqrt(vi) / bc2 + eps;
            p[po + i] = Math.fma(mi / denom, negStep, pi);
        }
    }
}
