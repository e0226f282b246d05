package dev.eddy.sdk.window;

/**
 * The count, sum, minimum, maximum and mean of numbers: {@link Aggregate#stats}'s result, as in "each device's
 * min/avg/max per minute". Immutable; {@link #plus} and {@link #merge} make new ones.
 *
 * @param count how many numbers
 * @param sum   their sum
 * @param min   the smallest ({@code +Infinity} when there are none)
 * @param max   the largest ({@code -Infinity} when there are none)
 * @param avg   their mean ({@code NaN} when there are none)
 */
public record Stats(long count, double sum, double min, double max, double avg) {

    /** No numbers yet. */
    public static final Stats EMPTY = new Stats(0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN);

    /** These numbers and one more. */
    public Stats plus(double value) {
        return of(count + 1, sum + value, Math.min(min, value), Math.max(max, value));
    }

    /** These numbers and another set's. */
    public Stats merge(Stats other) {
        return of(count + other.count, sum + other.sum, Math.min(min, other.min), Math.max(max, other.max));
    }

    /** Stats from their parts, the mean worked out. */
    public static Stats of(long count, double sum, double min, double max) {
        return new Stats(count, sum, min, max, count == 0 ? Double.NaN : sum / count);
    }
}
