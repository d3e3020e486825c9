package io.cdcsentinel.bench;

/**
 * One line of the benchmark table: a measured value, and either the baseline it is compared with (measured in
 * the same run, on the same input, doing the least possible work) or an absolute goal.
 *
 * @param baseline      what the value is compared with; null for an absolute figure
 * @param baselineValue the baseline's value in the same unit (NaN without a baseline)
 * @param goal          the target as text ("ratio >= 0.5", "p99 <= 1.5 s"); null when there is none
 * @param goalMet       whether the target was met; null when there is none
 * @param detail        how it was measured (sizes, rounds), for the reader of the table
 */
public record Figure(String name, double value, String unit, String baseline, double baselineValue, String goal,
        Boolean goalMet, String detail) {

    /** A throughput compared with a baseline: the goal is on {@code value / baselineValue}. */
    public static Figure ratio(String name, double value, String unit, String baseline, double baselineValue,
            double minRatio, String detail) {
        double ratio = value / baselineValue;
        return new Figure(name, value, unit, baseline, baselineValue, String.format("ratio >= %.2f", minRatio),
                ratio >= minRatio, detail);
    }

    /** A throughput compared with a baseline, for context: no goal. */
    public static Figure compared(String name, double value, String unit, String baseline, double baselineValue,
            String detail) {
        return new Figure(name, value, unit, baseline, baselineValue, null, null, detail);
    }

    /** An absolute figure, with an optional goal. */
    public static Figure absolute(String name, double value, String unit, String goal, Boolean goalMet, String detail) {
        return new Figure(name, value, unit, null, Double.NaN, goal, goalMet, detail);
    }

    public boolean hasBaseline() {
        return baseline != null;
    }

    /** {@code value / baselineValue}; NaN without a baseline. */
    public double ratio() {
        return hasBaseline() ? value / baselineValue : Double.NaN;
    }
}
