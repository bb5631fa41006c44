package dev.moxing.llm.classify;

import java.util.List;

/** A classification task: the class names (index = label) and its train and test examples. */
public record LabelledSplit(List<String> labels, List<Example> train, List<Example> test) {
    public LabelledSplit {
        labels = List.copyOf(labels);
        train = List.copyOf(train);
        test = List.copyOf(test);
    }

    /** The accuracy of always answering the test split's most frequent class: what a classifier must beat. */
    public double majorityBaseline() {
        return majorityShare(test, labels.size());
    }

    static double majorityShare(List<Example> examples, int classes) {
        if (examples.isEmpty()) return Double.NaN;
        int[] counts = new int[classes];
        for (Example e : examples) counts[e.label()]++;
        int max = 0;
        for (int c : counts) max = Math.max(max, c);
        return (double) max / examples.size();
    }
}
