package dev.moxing.autograd;

import dev.moxing.tensor.Shape;
import dev.moxing.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reverse-mode automatic differentiation: recording ops as they run (eager, like PyTorch) and the
 * backward pass. The rules themselves live in {@link Derivatives}; this class only walks the
 * graph, reduces broadcast gradients back to each input's shape, and accumulates.
 */
public final class Autograd {
    private Autograd() {
    }

    /**
     * Attaches a graph node to {@code out} when recording is on and some input requires grad;
     * otherwise returns {@code out} unchanged (no closure kept, nothing retained).
     */
    public static Tensor record(Tensor out, String op, Node.Rule rule, Tensor... inputs) {
        if (!GradMode.isEnabled()) return out;
        boolean any = false;
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                any = true;
                break;
            }
        }
        if (!any) return out;
        out.attachGradFn(new Node(op, rule, inputs));
        return out;
    }

    /** Runs backward from {@code root} seeded with {@code gradient} (same shape as root). */
    public static void backward(Tensor root, Tensor gradient, boolean retainGraph) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward: the tensor does not require grad and has no grad_fn "
                    + "(did you call setRequiresGrad(true) on an input, or run under noGrad?)");
        }
        if (gradient == null) {
            if (root.numel() != 1) {
                throw new IllegalStateException("backward: grad can be implicitly created only for scalar outputs; "
                        + "this output has shape " + Shape.str(root.shape()) + ", pass a gradient of that shape");
            }
            gradient = Tensor.ones(root.shape());
        } else if (!Shape.same(gradient.shape(), root.shape())) {
            throw new IllegalArgumentException("backward: gradient shape " + Shape.str(gradient.shape())
                    + " does not match output shape " + Shape.str(root.shape()));
        }
        try (GradMode ignored = GradMode.disabled()) {
            Node rootNode = root.gradFn();
            if (rootNode == null) {
                accumulateLeaf(root, gradient, false);
                return;
            }
            List<Node> order = topologicalOrder(rootNode);
            Map<Node, Tensor> grads = new IdentityHashMap<>();
            grads.put(rootNode, gradient);
            for (Node node : order) {
                Tensor g = grads.remove(node);
                if (g == null) continue;
                if (node.retained != null) accumulateLeaf(node.retained, g, false);
                if (node.isFreed()) {
                    throw new IllegalStateException("backward: trying to backward through the graph a second time ("
                            + node + " was freed); call backward(gradient, true) the first time to retain it");
                }
                Tensor[] inputGrads = node.rule().apply(g);
                Tensor[] inputs = node.inputs();
                for (int i = 0; i < inputs.length; i++) {
                    Tensor in = inputs[i];
                    if (in == null || !in.requiresGrad() || inputGrads[i] == null) continue;
                    Tensor gi = inputGrads[i].sumTo(in.shape());
                    Node producer = in.gradFn();
                    if (producer == null) {
                        accumulateLeaf(in, gi, !retainGraph && isFresh(gi, g, inputGrads, i));
                    } else {
                        grads.merge(producer, gi, Tensor::add);
                    }
                }
                if (!retainGraph) node.free();
            }
        }
    }

    /**
     * Adds g to t's gradient. When g is a fresh buffer that nothing else can reach ({@code owned}),
     * the leaf takes it as is instead of copying: for a weight, that saves a full copy per step.
     */
    private static void accumulateLeaf(Tensor t, Tensor g, boolean owned) {
        Tensor existing = t.grad();
        if (existing == null) t.setGrad(owned ? g : g.contiguousCopy());
        else existing.addInPlace(g);
    }

    /**
     * Whether the rule's output {@code gi} owns its storage exclusively: a whole, contiguous heap
     * array that is neither the incoming gradient's (rules pass it through or view it) nor shared
     * with another output of the same rule. Rules keep nothing they return, so such a buffer is
     * reachable only from here.
     */
    private static boolean isFresh(Tensor gi, Tensor incoming, Tensor[] outputs, int index) {
        if (!(gi.storage() instanceof dev.moxing.tensor.Storage.Floats f)) return false;
        if (!gi.isContiguous() || gi.offset() != 0 || f.data().length != gi.numel()) return false;
        if (gi.storage() == incoming.storage()) return false;
        for (int j = 0; j < outputs.length; j++) {
            if (j != index && outputs[j] != null && outputs[j].storage() == gi.storage()) return false;
        }
        return true;
    }

    /** Nodes reachable from root, each after every node that consumes its output (iterative DFS). */
    private static List<Node> topologicalOrder(Node root) {
        List<Node> post = new ArrayList<>();
        Map<Node, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        seen.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Node n = (Node) frame[0];
            int i = (Integer) frame[1];
            Tensor[] ins = n.inputs();
            if (i < ins.length) {
                frame[1] = i + 1;
                Tensor in = ins[i];
                Node p = in == null ? null : in.gradFn();
                if (p != null && seen.put(p, Boolean.TRUE) == null) stack.push(new Object[] {p, 0});
            } else {
                stack.pop();
                post.add(n);
            }
        }
        java.util.Collections.reverse(post);
        return post;
    }
}
