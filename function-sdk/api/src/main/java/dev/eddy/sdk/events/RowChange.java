package dev.eddy.sdk.events;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A row changed in a database, as the CDC adapter publishes it ({@link AdapterEvents#rowChanges()} reads it), in
 * Debezium's shape: the row before and after, columns as text (null for SQL NULL).
 *
 * @param before the row before the change; null for an insert or a snapshot read
 * @param after  the row after the change; null for a delete
 * @param op     {@code c} (create), {@code u} (update), {@code d} (delete), {@code r} (read in a snapshot),
 *               {@code t} (truncate)
 * @param source where the change came from
 * @param tsMs   when the adapter processed it, epoch milliseconds
 */
public record RowChange(Map<String, String> before, Map<String, String> after, String op, Source source, long tsMs) {

    public RowChange {
        before = before == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(before));
        after = after == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(after));
        java.util.Objects.requireNonNull(op, "op");
    }

    /** Where a change came from, as Debezium's source block says it. */
    public record Source(String connector, String db, String schema, String table, long tsMs, String snapshot,
            Long lsn, Long txId) {
    }

    /** The row as it is now: {@code after}, or {@code before} for a delete. */
    public Map<String, String> row() {
        return after != null ? after : before;
    }
}
