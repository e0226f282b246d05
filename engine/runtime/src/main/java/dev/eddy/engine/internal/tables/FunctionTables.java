package dev.eddy.engine.internal.tables;

import dev.eddy.engine.EddyException;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.kafka.ClientConfigs;
import dev.eddy.sdk.Table;
import dev.eddy.sdk.TableSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The tables of one deployed function ({@link dev.eddy.sdk.Lifecycle#tables()}), each kept by a {@link TableReader}
 * on this engine: read to the end before the function's handler is opened, then followed until it is closed.
 *
 * <p>Threading: lookups from any thread; {@link #load} and {@link #close} from the function's deploy and stop.
 */
public final class FunctionTables implements AutoCloseable {

    /** The longest a table may take to load at a deploy. */
    static final Duration LOAD_TIMEOUT = Duration.ofMinutes(10);

    private static final FunctionTables NONE = new FunctionTables(Map.of());

    private final Map<String, TableReader> readers;

    private FunctionTables(Map<String, TableReader> readers) {
        this.readers = readers;
    }

    /** No tables. */
    public static FunctionTables none() {
        return NONE;
    }

    /** A reader for each table the function declares, on the topic its definition maps it to; not started. */
    public static FunctionTables of(FunctionDefinition definition, EngineConfig config) {
        if (definition.tables().isEmpty()) {
            return NONE;
        }
        Map<String, TableReader> readers = new LinkedHashMap<>();
        definition.tables().forEach((name, topic) -> {
            Map<String, Object> props = ClientConfigs.reader(config, definition.groupId() + "-table-" + name);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
            readers.put(name, new TableReader(definition.name(), name, topic, () -> new KafkaConsumer<>(props)));
        });
        return new FunctionTables(readers);
    }

    /**
     * Starts every table's reader and waits until each has read its topic to the end it had.
     *
     * @throws EddyException when one fails or takes longer than {@link #LOAD_TIMEOUT}
     */
    public void load() {
        readers.values().forEach(TableReader::start);
        for (TableReader reader : readers.values()) {
            reader.awaitLoaded(LOAD_TIMEOUT);
        }
    }

    /** The table, or null when the function has no table of that name. */
    public <V> Table<V> view(TableSpec<V> spec) {
        TableReader reader = readers.get(spec.name());
        return reader == null ? null : reader.view(spec);
    }

    @Override
    public void close() {
        readers.values().forEach(TableReader::close);
    }
}
