package dev.eddy.engine.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eddy.engine.EddyException;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.kafka.ClientConfigs;
import dev.eddy.engine.kafka.Sends;
import dev.eddy.engine.kafka.TopicReader;
import dev.eddy.engine.kafka.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where deployed functions are kept so that a restarted engine, or another engine on the same cluster, can load
 * them: two compacted topics. {@code <prefix>.function.jars} holds each jar in chunks under {@code <sha256>/<index>}
 * (a record is at most about a megabyte); {@code <prefix>.functions} holds, under each function's name, the versions
 * it has been deployed in, oldest first, the running one last (a tombstone once it is undeployed). A version's
 * chunks are written and acknowledged before the record that refers to them. ({@code <prefix>}: the engine's
 * {@code names.prefix}.)
 */
public final class FunctionStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FunctionStore.class);
    static final int CHUNK_BYTES = 512 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EngineConfig config;
    /** The topic of the functions' versions. */
    private final String functions;
    /** The topic of their jars. */
    private final String jars;
    private final KafkaProducer<byte[], byte[]> producer;
    /** The jars this store has written or read, by SHA-256: not written again. */
    private final java.util.Set<String> jarsKept = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public FunctionStore(EngineConfig config, Admin admin) {
        this.config = config;
        this.functions = config.names().functions();
        this.jars = config.names().jars();
        Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        Topics.create(admin, functions, 1, (short) -1, compacted);
        Topics.create(admin, jars, 1, (short) -1, compacted);
        this.producer = new KafkaProducer<>(ClientConfigs.producer(config, "eddy-function-store"));
    }

    /** The topic of the functions' versions, {@code <prefix>.functions}. */
    public String functionsTopic() {
        return functions;
    }

    /** Keeps a function's versions, oldest first, writing the jars it does not have yet. */
    public void save(String name, List<FunctionArchive> versions) {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        ArrayNode stored = JSON.createArrayNode();
        for (FunctionArchive archive : versions) {
            ObjectNode version = stored.addObject().put("sha256", archive.sha256());
            if (archive.jar() == null) {
                version.put("manifest", archive.manifestText()); // a remote function is its manifest
                continue;
            }
            int chunks = (archive.jar().length + CHUNK_BYTES - 1) / CHUNK_BYTES;
            version.put("chunks", chunks).put("bytes", archive.jar().length);
            if (jarsKept.contains(archive.sha256())) {
                continue;
            }
            for (int i = 0; i < chunks; i++) {
                byte[] chunk = Arrays.copyOfRange(archive.jar(), i * CHUNK_BYTES,
                        Math.min(archive.jar().length, (i + 1) * CHUNK_BYTES));
                sends.add(producer.send(new ProducerRecord<>(jars, key(archive.sha256() + "/" + i), chunk)));
            }
        }
        await(sends);
        versions.stream().filter(archive -> archive.jar() != null).forEach(archive -> jarsKept.add(archive.sha256()));
        try {
            await(List.of(producer.send(new ProducerRecord<>(functions, key(name), JSON.writeValueAsBytes(stored)))));
        } catch (IOException e) {
            throw new EddyException("Cannot write the versions of function '" + name + "'", e);
        }
    }

    /** Forgets a function (its jars stay until no version refers to them; compaction keeps the latest of each). */
    public void remove(String name) {
        await(List.of(producer.send(new ProducerRecord<>(functions, key(name), null))));
    }

    /** Every function kept, by name, with its versions, oldest first. */
    public Map<String, List<FunctionArchive>> load() {
        Map<String, byte[]> stored = readFunctions();
        if (stored.isEmpty()) {
            return Map.of();
        }
        Map<String, byte[]> chunks = new HashMap<>();
        TopicReader.readAll(config, jars, TIMEOUT, "The function store topic " + jars + " is missing",
                record -> chunks.put(new String(record.key(), StandardCharsets.UTF_8), record.value()));
        Map<String, List<FunctionArchive>> loaded = new LinkedHashMap<>();
        stored.forEach((name, value) -> loaded.put(name, versions(name, value, chunks)));
        loaded.values().forEach(versions -> versions.stream().filter(archive -> archive.jar() != null)
                .forEach(archive -> jarsKept.add(archive.sha256())));
        return loaded;
    }

    /**
     * The SHA-256 of the running version of every function kept, by name: what {@link #load} would run, read from
     * the small versions topic alone (not the jars).
     */
    public Map<String, String> runningVersions() {
        Map<String, String> running = new LinkedHashMap<>();
        readFunctions().forEach((name, value) -> {
            try {
                JsonNode versions = JSON.readTree(value);
                running.put(name, versions.get(versions.size() - 1).get("sha256").asText());
            } catch (IOException e) {
                throw new EddyException("The stored versions of function '" + name + "' are unreadable", e);
            }
        });
        return running;
    }

    /** The versions topic, latest record per function, without the undeployed. */
    private Map<String, byte[]> readFunctions() {
        Map<String, byte[]> stored = new LinkedHashMap<>();
        TopicReader.readAll(config, functions, TIMEOUT, "The function store topic " + functions + " is missing",
                record -> {
                    String name = new String(record.key(), StandardCharsets.UTF_8);
                    if (record.value() == null) {
                        stored.remove(name);
                    } else {
                        stored.put(name, record.value());
                    }
                });
        return stored;
    }

    private List<FunctionArchive> versions(String name, byte[] value, Map<String, byte[]> chunks) {
        List<FunctionArchive> versions = new ArrayList<>();
        try {
            for (JsonNode version : JSON.readTree(value)) {
                String sha = version.get("sha256").asText();
                FunctionArchive archive;
                if (version.has("manifest")) {
                    archive = FunctionArchive.ofManifest(version.get("manifest").asText());
                } else {
                    ByteArrayOutputStream jar = new ByteArrayOutputStream(version.get("bytes").asInt());
                    for (int i = 0; i < version.get("chunks").asInt(); i++) {
                        byte[] chunk = chunks.get(sha + "/" + i);
                        if (chunk == null) {
                            throw new EddyException("The jar of function '" + name + "' (" + sha + ") is missing"
                                    + " chunk " + i + " in " + jars);
                        }
                        jar.write(chunk);
                    }
                    archive = FunctionArchive.ofJar(jar.toByteArray());
                }
                if (!archive.sha256().equals(sha)) {
                    throw new EddyException("The stored function '" + name + "' does not match its checksum " + sha);
                }
                versions.add(archive);
            }
        } catch (IOException e) {
            throw new EddyException("The stored versions of function '" + name + "' are unreadable", e);
        }
        return versions;
    }

    /**
     * Calls {@code onChange} on a thread of its own after each batch of records that reaches
     * the functions topic (the first batch is what the topic held when following began), until the returned handle
     * is closed. A failing call is logged and the next change calls it again.
     */
    public AutoCloseable follow(Runnable onChange) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ClientConfigs.reader(config,
                "eddy-function-store-follower"));
        TopicPartition partition = new TopicPartition(functions, 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        AtomicBoolean closed = new AtomicBoolean();
        Thread thread = Thread.ofPlatform().name("eddy-function-store-follower").daemon().start(() -> {
            try {
                while (!closed.get()) {
                    if (!consumer.poll(Duration.ofSeconds(1)).isEmpty()) {
                        try {
                            onChange.run();
                        } catch (RuntimeException e) {
                            log.error("Applying a change of {} failed: {}", functions, e.getMessage(), e);
                        }
                    }
                }
            } catch (WakeupException e) {
                // closed
            } finally {
                consumer.close(Duration.ZERO);
            }
        });
        return () -> {
            closed.set(true);
            consumer.wakeup();
            thread.join(TIMEOUT.toMillis());
        };
    }

    private static byte[] key(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void await(List<Future<RecordMetadata>> sends) {
        Sends.awaitAll(sends, TIMEOUT, "storing a function in Kafka");
    }

    @Override
    public void close() {
        producer.close(TIMEOUT);
    }
}
