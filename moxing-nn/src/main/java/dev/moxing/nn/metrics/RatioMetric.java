package dev.moxing.nn.metrics;

/**
 * A metric that is a sum over elements divided by their count (accuracies, mean errors): batches
 * add to both, so the result is the exact mean over the epoch whatever the batch sizes.
 */
public abstract class RatioMetric implements Metric {
    private final String name;
    private double total;
    private long count;

    protected RatioMetric(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    protected void add(double sum, long n) {
        total += sum;
        count += n;
    }

    @Override
    public double result() {
        return count == 0 ? 0 : total / count;
    }

    @Override
    public void reset() {
        total = 0;
        count = 0;
    }
}
