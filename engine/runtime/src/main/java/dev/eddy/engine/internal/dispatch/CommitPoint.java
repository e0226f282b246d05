package dev.eddy.engine.internal.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * Where an exactly-once function committed a partition, when records past the committed offset were already done:
 * the committed offset is the first record not complete (one waiting for a retry), and the commit's metadata says
 * up to where ({@code end}) every other record is complete, naming the offsets that are not. A record whose offset
 * lies in {@code [offset, end)} and is not named was handled, and its outputs committed, in that transaction: it is
 * skipped when the partition is read again from the commit (by a new owner, after a crash, after an abort). So one
 * key's retries do not hold the transactions of every other key (as the Confluent parallel consumer does for its
 * offsets, in the same field).
 *
 * <p>The metadata is {@code eddy1:<end - offset>:<gaps>} in base 36, each gap the distance from the previous
 * incomplete offset (the first is the committed offset itself). Kafka keeps up to
 * {@code offset.metadata.max.bytes} (4096 by default) of it; a point that would not fit in {@link #MAX_LENGTH} is
 * not made (the commit waits for the retries instead).
 *
 * <p>Threading: immutable.
 *
 * @param offset     the committed offset: the first incomplete record, or the next to read when all are complete
 * @param end        the offset after the last record known complete; {@code offset} when there is nothing past it
 * @param incomplete the offsets in {@code [offset, end)} not complete, {@code offset} among them; empty when none
 */
record CommitPoint(long offset, long end, NavigableSet<Long> incomplete) {

    /** The longest metadata written, well within Kafka's default limit. */
    static final int MAX_LENGTH = 3000;
    private static final String PREFIX = "eddy1:";

    /** A commit with every record before {@code offset} complete, and nothing known past it. */
    static CommitPoint plain(long offset) {
        return new CommitPoint(offset, offset, new TreeSet<>());
    }

    /** Whether the record at this offset was done in a committed transaction, and is to be skipped. */
    boolean done(long recordOffset) {
        return recordOffset >= offset && recordOffset < end && !incomplete.contains(recordOffset);
    }

    /** Whether records past the committed offset were done (the metadata says which). */
    boolean hasDoneRecords() {
        return end > offset;
    }

    OffsetAndMetadata toOffsetAndMetadata() {
        return new OffsetAndMetadata(offset, hasDoneRecords() ? encode() : "");
    }

    /** The metadata; it may be longer than {@link #MAX_LENGTH} (see {@link #fits}). */
    String encode() {
        StringBuilder text = new StringBuilder(PREFIX).append(Long.toString(end - offset, 36)).append(':');
        long previous = offset;
        boolean first = true;
        for (long gap : incomplete) {
            if (!first) {
                text.append(',');
            }
            text.append(Long.toString(gap - previous, 36));
            previous = gap;
            first = false;
        }
        return text.toString();
    }

    boolean fits() {
        return !hasDoneRecords() || encode().length() <= MAX_LENGTH;
    }

    /**
     * The point a committed offset stands for; a plain one when its metadata is not Eddy's (or the commit is
     * absent: null gives null).
     */
    static CommitPoint of(OffsetAndMetadata committed) {
        if (committed == null) {
            return null;
        }
        String metadata = committed.metadata();
        if (metadata == null || !metadata.startsWith(PREFIX)) {
            return plain(committed.offset());
        }
        try {
            String[] parts = metadata.substring(PREFIX.length()).split(":", -1);
            long offset = committed.offset();
            long end = offset + Long.parseLong(parts[0], 36);
            NavigableSet<Long> incomplete = new TreeSet<>();
            long previous = offset;
            if (!parts[1].isEmpty()) {
                for (String gap : parts[1].split(",")) {
                    previous += Long.parseLong(gap, 36);
                    incomplete.add(previous);
                }
            }
            return new CommitPoint(offset, end, incomplete);
        } catch (RuntimeException e) {
            throw new IllegalStateException("The committed offset " + committed.offset() + " carries metadata '"
                    + metadata + "' that is not a valid exactly-once commit point", e);
        }
    }

    /** Offsets as a list, for messages. */
    List<Long> incompleteList() {
        return new ArrayList<>(incomplete);
    }
}
