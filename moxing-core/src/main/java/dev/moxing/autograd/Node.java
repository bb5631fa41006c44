package dev.moxing.autograd;

import dev.moxing.tensor.Tensor;

/**
 * One recorded op in the graph: its inputs and the rule that maps the gradient of its output to
 * gradients of its inputs. After a backward pass that does not retain the graph, the rule (and
 * with it every tensor it saved) is dropped, and a second pass fails with a clear message.
 */
public final class Node {

    /** Gradient of the output → gradients of the inputs (null where an input gets none). */
    @FunctionalInterface
    public interface Rule {
        Tensor[] apply(Tensor gradOutput);
    }

    private final String op;
    private final Tensor[] inputs;
    private Rule rule;
    /** The output tensor when it asked to keep its gradient ({@link Tensor#retainGrad()}). */
    Tensor retained;

    Node(String op, Rule rule, Tensor[] inputs) {
        this.op = op;
        this.rule = rule;
        this.inputs = inputs;
    }

    public String op() {
        return op;
    }

    Tensor[] inputs() {
        return inputs;
    }

    Rule rule() {
        return rule;
    }

    void free() {
        rule = null;
    }

    boolean isFreed() {
        return rule == null;
    }

    /** Marks {@code output} (whose gradFn this is) as keeping its gradient after backward. */
    public void retain(Tensor output) {
        retained = output;
    }

    @Override
    public String toString() {
        return op + "Backward";
    }
}
