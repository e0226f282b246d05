package dev.eddy.adapters.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.adapters.TriggerAdapter;
import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.EventPublisher;
import dev.eddy.adapters.Settings;
import dev.eddy.schemas.events.ChangeEvent;
import dev.eddy.schemas.events.ChangeSource;
import dev.eddy.schemas.events.Envelope;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures the changes of PostgreSQL tables into Kafka with the Debezium embedded engine ({@code pgoutput}, a
 * replication slot and a publication of the tables): a topic per table ({@code <topicPrefix>.<schema>.<table>}),
 * each change an envelope of {@link ChangeEvent} (before and after, columns as text; the operation; where and when)
 * keyed by the row's primary key, so that one row's changes stay in order. A snapshot of the tables comes first on
 * the first start; Debezium's offsets are kept in a Kafka topic and committed only for changes Kafka has, so a
 * restarted adapter goes on where it was without losing a change (and may repeat the last few). A delete is followed
 * by a tombstone (a null value under the row's key), so that compacted topics forget the row.
 */
public final class CdcAdapter implements TriggerAdapter {

    private static final Logger log = LoggerFactory.getLogger(CdcAdapter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventPublisher publisher;
    private final DebeziumEngine<io.debezium.engine.ChangeEvent<String, String>> engine;
    private final ExecutorService runner;
    private final String host;
    private final SlotTurn turn;
    private final CompletableFuture<Throwable> failed = new CompletableFuture<>();
    private final Object lifecycle = new Object();
    private boolean closing;
    private boolean capturing;

    private CdcAdapter(EventPublisher publisher, Properties properties, String host, SlotTurn turn) {
        this.publisher = publisher;
        this.host = host;
        this.turn = turn;
        this.engine = DebeziumEngine.create(Json.class).using(properties).notifying(this::handle)
                .using((success, message, error) -> {
                    if (!success && !closing()) {
                        // Debezium's own log (in the log file) has the stack trace; the cause is one line.
                        log.warn("The change capture stopped: {}", message, error);
                        failed.complete(new AdapterException("The change capture stopped: " + message
                                + (error == null ? "" : " (" + rootCause(error) + ")"), error));
                    }
                }).build();
        this.runner = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("eddy-cdc").factory());
        turn.lost().thenAccept(why -> {
            if (!closing()) {
                failed.complete(new AdapterException("The change capture stopped: " + why));
            }
        });
    }

    private boolean closing() {
        synchronized (lifecycle) {
            return closing;
        }
    }

    /** Captures once this adapter's turn on the slot has come (at once, unless another adapter holds it). */
    private void capture(List<String> tables, List<String> topics) {
        try {
            if (!turn.await()) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        synchronized (lifecycle) {
            if (closing) {
                return;
            }
            capturing = true;
        }
        log.info("Capturing the changes of {} into {}", tables, topics);
        engine.run();
    }

    /**
     * Reads the settings and starts capturing.
     *
     * @throws AdapterException naming what is wrong
     */
    public static CdcAdapter start(Settings cdc, EventPublisher.Options options,
            io.micrometer.core.instrument.MeterRegistry meters) {
        cdc.only("name", "host", "port", "database", "user", "password", "tables", "topicPrefix", "slot",
                "publication", "offsetsTopic", "snapshot", "properties");
        List<String> tables = cdc.textList("tables");
        if (tables.isEmpty()) {
            throw AdapterException.invalid(cdc.at("tables"), null, "the tables to capture, as schema.table");
        }
        for (String table : tables) {
            if (!table.matches("[A-Za-z_][A-Za-z0-9_$]*\\.[A-Za-z_][A-Za-z0-9_$]*")) {
                throw AdapterException.invalid(cdc.at("tables"), table, "tables as schema.table, such as"
                        + " public.orders");
            }
        }
        String name = cdc.text("name", "eddy-cdc");
        String prefix = cdc.text("topicPrefix", "cdc");
        String host = cdc.text("host", "127.0.0.1");
        Properties props = new Properties();
        props.setProperty("name", name);
        props.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        props.setProperty("plugin.name", "pgoutput");
        props.setProperty("database.hostname", host);
        props.setProperty("database.port", String.valueOf(cdc.integer("port", 5432, 1, 65535)));
        props.setProperty("database.user", cdc.text("user", "postgres"));
        String password = cdc.secret("password");
        props.setProperty("database.password", password == null ? "" : password);
        props.setProperty("database.dbname", cdc.requiredText("database", "the database's name"));
        props.setProperty("topic.prefix", prefix);
        props.setProperty("table.include.list", String.join(",", tables));
        props.setProperty("slot.name", cdc.text("slot", "eddy_cdc"));
        props.setProperty("publication.name", cdc.text("publication", "eddy_cdc"));
        props.setProperty("publication.autocreate.mode", "filtered");
        props.setProperty("snapshot.mode", cdc.text("snapshot", "initial"));
        props.setProperty("tombstones.on.delete", "true");
        props.setProperty("decimal.handling.mode", "string");
        props.setProperty("key.converter.schemas.enable", "false");
        props.setProperty("value.converter.schemas.enable", "false");
        props.setProperty("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
        props.setProperty("offset.storage.topic", cdc.text("offsetsTopic", "eddy.cdc.offsets"));
        props.setProperty("offset.storage.partitions", "1");
        props.setProperty("offset.storage.replication.factor", "1");
        props.setProperty("offset.flush.interval.ms", "1000");
        props.setProperty("bootstrap.servers", options.bootstrapServers());
        cdc.textMap("properties").forEach(props::setProperty);
        PostgresPreconditions.check(cdc, host, Integer.parseInt(props.getProperty("database.port")),
                props.getProperty("database.dbname"), props.getProperty("database.user"), password);
        EventPublisher publisher = new EventPublisher(options, meters);
        List<String> topics = tables.stream().map(table -> prefix + "." + table).toList();
        try {
            publisher.checkWithoutDeadLetters(topics);
        } catch (RuntimeException e) {
            publisher.close();
            throw e;
        }
        Properties login = PostgresPreconditions.login(props.getProperty("database.user"), password);
        login.setProperty("tcpKeepAlive", "true");
        SlotTurn turn = new SlotTurn(PostgresPreconditions.url(host, Integer.parseInt(props.getProperty(
                "database.port")), props.getProperty("database.dbname")), login, props.getProperty("slot.name"));
        CdcAdapter adapter = new CdcAdapter(publisher, props, host, turn);
        adapter.runner.execute(() -> adapter.capture(tables, topics));
        return adapter;
    }

    /** A batch of changes: published, then marked done, so that the offsets never pass a change Kafka lacks. */
    private void handle(List<io.debezium.engine.ChangeEvent<String, String>> records,
            DebeziumEngine.RecordCommitter<io.debezium.engine.ChangeEvent<String, String>> committer)
            throws InterruptedException {
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (io.debezium.engine.ChangeEvent<String, String> record : records) {
            publisher.received();
            sent.add(record.value() == null ? publisher.tombstone(record.destination(), record.key())
                    : publisher.publish(record.destination(), record.key(), envelope(record)));
        }
        try {
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // Not marked: the engine stops, and its offsets stay before these changes, which come again.
            throw new IllegalStateException("Kafka did not take the changes: " + e.getMessage(), e);
        }
        for (io.debezium.engine.ChangeEvent<String, String> record : records) {
            committer.markProcessed(record);
        }
        committer.markBatchFinished();
    }

    private Envelope envelope(io.debezium.engine.ChangeEvent<String, String> record) {
        JsonNode value;
        try {
            value = JSON.readTree(record.value());
        } catch (IOException e) {
            throw new IllegalStateException("Debezium wrote a change that is not JSON: " + e.getMessage(), e);
        }
        JsonNode source = value.path("source");
        ChangeSource where = ChangeSource.newBuilder()
                .setConnector(source.path("connector").asText("postgresql"))
                .setDb(source.path("db").asText(""))
                .setSchema$(source.path("schema").isMissingNode() ? null : source.path("schema").asText())
                .setTable(source.path("table").asText(""))
                .setTsMs(source.path("ts_ms").asLong())
                .setSnapshot(source.path("snapshot").asText("false"))
                .setLsn(source.path("lsn").isNumber() ? source.path("lsn").asLong() : null)
                .setTxId(source.path("txId").isNumber() ? source.path("txId").asLong() : null)
                .build();
        ChangeEvent change = ChangeEvent.newBuilder()
                .setBefore(columns(value.path("before")))
                .setAfter(columns(value.path("after")))
                .setOp(value.path("op").asText())
                .setSource(where)
                .setTsMs(value.path("ts_ms").asLong(System.currentTimeMillis()))
                .build();
        String table = where.getSchema$() + "." + where.getTable();
        return Envelope.newBuilder()
                .setId(where.getConnector() + ":" + where.getDb() + ":" + table + ":" + (where.getLsn() != null
                        ? where.getLsn() : where.getTsMs()) + ":" + record.key())
                .setSource("postgresql://" + host + "/" + where.getDb() + "/" + table)
                .setType("dev.eddy.cdc.change")
                .setTime(Instant.ofEpochMilli(where.getTsMs()))
                .setSubject(record.key())
                .setData(change)
                .build();
    }

    /** A row's columns as text (null for SQL NULL), or null when there is no row (before an insert). */
    private static Map<String, String> columns(JsonNode row) {
        if (row == null || row.isNull() || row.isMissingNode()) {
            return null;
        }
        Map<String, String> columns = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = row.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            columns.put(field.getKey(), value.isNull() ? null : value.isValueNode() ? value.asText() : value.toString());
        }
        return columns;
    }

    @Override
    public List<String> problems() {
        List<String> problems = new java.util.ArrayList<>(publisher.problems());
        if (failed.isDone()) {
            problems.add(failed.join().getMessage());
        }
        return problems;
    }

    @Override
    public CompletableFuture<Throwable> failed() {
        return failed;
    }

    private static String rootCause(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    /** Stops capturing (offsets of what Kafka has are committed), and lets go of Kafka. */
    @Override
    public void close() {
        boolean started;
        synchronized (lifecycle) {
            closing = true;
            started = capturing;
        }
        if (started) {
            try {
                engine.close();
            } catch (IOException | RuntimeException e) {
                log.warn("Stopping the change capture: {}", e.toString());
            }
        }
        turn.close(); // after the capture stopped: a standby takes over only then
        runner.shutdown();
        try {
            runner.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publisher.close();
    }
}
