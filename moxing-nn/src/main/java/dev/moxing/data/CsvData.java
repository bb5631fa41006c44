package dev.moxing.data;

import dev.moxing.tensor.Tensor;

import java.util.List;

/**
 * What {@link CsvReader} read: features (N, F) as F32, labels (N) or null when no label column
 * was chosen, the names of the feature columns, and, when class labels were text, the class names
 * in index order (empty when the labels were already numbers).
 */
public record CsvData(Tensor features, Tensor labels, List<String> featureNames, List<String> classNames) {
    public CsvData {
        featureNames = List.copyOf(featureNames);
        classNames = List.copyOf(classNames);
    }

    public int size() {
        return features.size(0);
    }

    /** Features and labels as a {@link Dataset}; needs a label column. */
    public Dataset dataset() {
        if (labels == null) {
            throw new IllegalStateException("CsvData: no label column was read; choose one with CsvReader.label(…)");
        }
        return Dataset.of(features, labels);
    }
}
