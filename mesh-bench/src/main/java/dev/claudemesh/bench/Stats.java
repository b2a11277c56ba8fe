package dev.claudemesh.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Order statistics over a set of samples. Percentiles are nearest-rank: the smallest sample with at least p% at or below it. */
final class Stats {
    private final List<Double> sorted;

    Stats(List<Double> samples) {
        if (samples.isEmpty()) {
            throw new BenchException("no samples");
        }
        sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
    }

    int n() {
        return sorted.size();
    }

    double percentile(double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /** The median: the middle sample, or the mean of the two middle ones. */
    double median() {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    double min() {
        return sorted.get(0);
    }

    double max() {
        return sorted.get(sorted.size() - 1);
    }
}
