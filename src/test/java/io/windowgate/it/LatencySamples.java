package io.windowgate.it;

import java.util.Arrays;

/**
 * Durations in nanoseconds, every one kept (8 bytes each, so a million fit in 8 MB), for exact percentiles. Safe for
 * several threads adding at once.
 */
final class LatencySamples {

    /** Count, nearest-rank percentiles, maximum and mean, in milliseconds. */
    record Summary(int count, double p50, double p95, double p99, double max, double mean) {

        static final Summary EMPTY = new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

        /** "p50 / p95 / p99 / max" in ms, or "n/a". */
        String percentiles() {
            return count == 0 ? "n/a" : String.format("%s / %s / %s / %s", ms(p50), ms(p95), ms(p99), ms(max));
        }

        private static String ms(double value) {
            return value < 10 ? String.format("%.2f", value) : String.format("%.0f", value);
        }
    }

    private long[] values;
    private int size;

    LatencySamples(int expected) {
        this.values = new long[Math.max(16, expected)];
    }

    synchronized void add(long nanos) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = nanos;
    }

    /** The values taken as instants (System.nanoTime()): the gaps between consecutive ones, in time order. */
    synchronized LatencySamples gaps() {
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        LatencySamples gaps = new LatencySamples(size);
        for (int i = 1; i < sorted.length; i++) {
            gaps.add(sorted[i] - sorted[i - 1]);
        }
        return gaps;
    }

    /** The values added after the first {@code skip}, in the order they were added. */
    synchronized LatencySamples after(int skip) {
        LatencySamples later = new LatencySamples(size - skip);
        for (int i = Math.min(skip, size); i < size; i++) {
            later.add(values[i]);
        }
        return later;
    }

    /** Every value, sorted. */
    synchronized long[] sorted() {
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        return sorted;
    }

    /** The smallest value (Long.MAX_VALUE when there is none). */
    synchronized long min() {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < size; i++) {
            min = Math.min(min, values[i]);
        }
        return min;
    }

    synchronized Summary summary() {
        if (size == 0) {
            return Summary.EMPTY;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        double sum = 0;
        for (long v : sorted) {
            sum += v;
        }
        return new Summary(size, rank(sorted, 50), rank(sorted, 95), rank(sorted, 99), sorted[size - 1] / 1e6,
                sum / size / 1e6);
    }

    /** The nearest-rank percentile: the smallest value with at least p % of the samples at or below it. */
    private static double rank(long[] sorted, double p) {
        int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1e6;
    }
}
