package dev.eddy.engine;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Where a function starts reading a partition it has never committed a position on: its input's first record, the
 * next record written after it starts, or the first record written at or after a moment. Once the function has
 * committed a position on a partition (it has run there before, under any version), it goes on from that position:
 * an update or a restart never moves it. A partition created later ({@code inputPattern}, added partitions) starts
 * the same way.
 */
public sealed interface StartingPosition {

    /** Every record the partition still holds. The default. */
    record Earliest() implements StartingPosition {
        @Override
        public String toString() {
            return "earliest";
        }
    }

    /** Only records written after the function first reads the partition: its history is skipped. */
    record Latest() implements StartingPosition {
        @Override
        public String toString() {
            return "latest";
        }
    }

    /** The first record with a timestamp at or after this moment; the partition's end when there is none. */
    record At(Instant timestamp) implements StartingPosition {
        public At {
            java.util.Objects.requireNonNull(timestamp, "timestamp");
        }

        @Override
        public String toString() {
            return timestamp.toString();
        }
    }

    StartingPosition EARLIEST = new Earliest();
    StartingPosition LATEST = new Latest();

    /** What is valid, for error messages and the manifest reference. */
    String VALID = "earliest, latest, or a moment as ISO-8601 UTC (2026-12-01T00:00:00Z)";

    /**
     * Reads {@code earliest}, {@code latest} (any case) or an ISO-8601 instant.
     *
     * @throws IllegalArgumentException naming what is valid
     */
    static StartingPosition parse(String text) {
        String trimmed = text == null ? "" : text.trim();
        switch (trimmed.toLowerCase(Locale.ROOT)) {
            case "earliest":
                return EARLIEST;
            case "latest":
                return LATEST;
            default:
                try {
                    return new At(Instant.parse(trimmed));
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException("'" + text + "' is not a starting position: " + VALID, e);
                }
        }
    }

    /** The consumer's {@code auto.offset.reset} for this position (a moment is sought on assignment). */
    default String autoOffsetReset() {
        return this instanceof Latest ? "latest" : "earliest";
    }
}
