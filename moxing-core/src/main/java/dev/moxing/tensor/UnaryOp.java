package dev.moxing.tensor;

/** Elementwise unary ops with their display names (used in graph nodes and errors). */
public enum UnaryOp {
    NEG("neg"), ABS("abs"), EXP("exp"), LOG("log"), SQRT("sqrt"), RSQRT("rsqrt"), SQUARE("square"),
    RELU("relu"), GELU("gelu"), GELU_TANH("geluTanh"), SILU("silu"), SIGMOID("sigmoid"), TANH("tanh"),
    SIGN("sign");

    public final String label;

    UnaryOp(String label) {
        this.label = label;
    }
}
