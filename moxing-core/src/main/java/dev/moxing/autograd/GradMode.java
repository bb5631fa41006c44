package dev.moxing.autograd;

/**
 * Whether ops record the graph on this thread. {@code try (var g = Tensor.noGrad()) {...}} turns
 * recording off for the block (evaluation, optimizer updates, and the backward pass itself) and
 * restores the previous mode on close, so scopes nest.
 */
public final class GradMode implements AutoCloseable {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private final boolean previous;
    private boolean closed;

    private GradMode(boolean enabled) {
        boolean[] flag = ENABLED.get();
        previous = flag[0];
        flag[0] = enabled;
    }

    public static GradMode disabled() {
        return new GradMode(false);
    }

    public static GradMode enabled() {
        return new GradMode(true);
    }

    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    @Override
    public void close() {
        if (!closed) {
            ENABLED.get()[0] = previous;
            closed = true;
        }
    }
}
