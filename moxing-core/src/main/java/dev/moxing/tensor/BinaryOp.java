package dev.moxing.tensor;

/** Elementwise binary ops; comparisons produce 0/1 floats. */
enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAX, MIN, EQ, NE, LT, LE, GT, GE;

    /** The scalar definition: the reference for every vector path. */
    float apply(float a, float b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> pow(a, b);
            // NaN propagates, like torch.maximum / torch.minimum
            case MAX -> (a != a || b != b) ? Float.NaN : Math.max(a, b);
            case MIN -> (a != a || b != b) ? Float.NaN : Math.min(a, b);
            case EQ -> a == b ? 1f : 0f;
            case NE -> a != b ? 1f : 0f;
            case LT -> a < b ? 1f : 0f;
            case LE -> a <= b ? 1f : 0f;
            case GT -> a > b ? 1f : 0f;
            case GE -> a >= b ? 1f : 0f;
        };
    }

    static float pow(float a, float b) {
        if (b == 2f) return a * a;
        if (b == 1f) return a;
        if (b == 0.5f) return (float) Math.sqrt(a);
        return (float) Math.pow(a, b);
    }

    boolean isComparison() {
        return ordinal() >= EQ.ordinal();
    }
}
