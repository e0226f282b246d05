package dev.eddy.schemas.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.kafka.ClientConfigs;
import dev.eddy.engine.kafka.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The registry's state, kept as the log of a state machine in a compacted topic ({@link #TOPIC}, one partition) that
 * every registry reads from the start and then follows. A registration is written as a <em>proposal</em> (subject and
 * schema only), and every registry applies the proposals in the topic's order by the same rule — a schema already
 * under the subject changes nothing, one its subject's {@link Compatibility} refuses is dropped, any other becomes the
 * subject's next version, under the id of the same schema elsewhere or the highest id plus one. So registries never
 * need to agree on anything but the order Kafka gives them, and two registering at once cannot hand out one id twice.
 * A writer returns once this registry has applied its record; a reader that misses an id or subject first reads up to
 * the topic's end, so that what was registered anywhere is found. Deletions are records too: a soft one marks
 * versions deleted (hidden, their ids kept), a permanent one removes soft-deleted versions and the ids no version
 * has any more; ids are never given twice.
 *
 * <p>Threading: one follower thread applies the topic; callers (the HTTP server's threads) read and wait under this
 * object's monitor.
 */
final class SchemaLog implements AutoCloseable {

    /** Where the schemas are kept. */
    static final String TOPIC = "eddy.schemas";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SchemaLog.class);

    /** One version of a subject; a soft-deleted one is kept, marked, until deleted for good. */
    record Version(String subject, int version, int id, Schema schema, boolean deleted) {

        Version(String subject, int version, int id, Schema schema) {
            this(subject, version, id, schema, false);
        }
    }

    private final KafkaProducer<byte[], byte[]> producer;
    /** Registered schemas by subject, then version. Guarded by this. */
    private final Map<String, TreeMap<Integer, Version>> subjects = new TreeMap<>();
    /** Schemas by id, with their canonical text. Guarded by this. */
    private final Map<Integer, Schema> ids = new TreeMap<>();
    /** The highest id ever given: an id deleted for good is not given again. Guarded by this. */
    private int highestId;
    /** Compatibility levels: "" for the registry's, else by subject. Guarded by this. */
    private final Map<String, Compatibility> levels = new TreeMap<>();
    /** Follows the topic. */
    private final KafkaConsumer<byte[], byte[]> tail;
    /** Reads where the topic ends, for readers catching up; guarded by itself. */
    private final KafkaConsumer<byte[], byte[]> ends;
    private final Thread follower;
    private volatile boolean closing;
    /** The offset up to which the topic is applied (the next to apply). Guarded by this. */
    private long applied;
    /** Proposals of this registry not applied yet, and why those refused were: by proposal id. Guarded by this. */
    private final Map<String, String> refusals = new java.util.HashMap<>();
    private final java.util.Set<String> proposing = new java.util.HashSet<>();

    /** Creates the topic if missing, and reads it whole. */
    SchemaLog(EngineConfig config, Admin admin) {
        Topics.createCompacted(admin, TOPIC, 1);
        this.tail = new KafkaConsumer<>(ClientConfigs.reader(config, "eddy-schema-registry-tail"));
        this.ends = new KafkaConsumer<>(ClientConfigs.reader(config, "eddy-schema-registry-ends"));
        this.producer = new KafkaProducer<>(ClientConfigs.producer(config, "eddy-schema-registry"));
        tail.assign(List.of(PARTITION));
        tail.seekToBeginning(List.of(PARTITION));
        this.follower = Thread.ofPlatform().name("eddy-schema-registry-tail").daemon().unstarted(this::follow);
        try {
            follower.start();
            catchUp();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Applies the topic's records as they come, for as long as the registry runs. */
    private void follow() {
        while (!closing) {
            try {
                for (ConsumerRecord<byte[], byte[]> record : tail.poll(Duration.ofMillis(100))) {
                    if (record.value() != null) {
                        apply(record.offset(), JSON.readTree(record.value()));
                    }
                }
                long position = tail.position(PARTITION);
                synchronized (this) {
                    applied = Math.max(applied, position);
                    notifyAll();
                }
            } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
                return; // closing
            } catch (IOException | RuntimeException e) {
                if (closing) {
                    return;
                }
                log.error("The schema registry could not apply a record of '{}'; it stops following it: {}", TOPIC,
                        e.toString());
                return;
            }
        }
    }

    /** Waits until everything written to the topic before now is applied. */
    void catchUp() {
        long end;
        synchronized (ends) {
            end = ends.endOffsets(List.of(PARTITION), TIMEOUT).get(PARTITION);
        }
        awaitApplied(end);
    }

    /** Waits until the records before this offset are applied. */
    private synchronized void awaitApplied(long offset) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (applied < offset) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !follower.isAlive()) {
                throw new RegistryError(500, 50002, "the registry has not read '" + TOPIC + "' up to offset " + offset
                        + " (it is at " + applied + ")" + (follower.isAlive() ? " within " + TIMEOUT.toSeconds()
                        + " s" : ": it stopped following it, see the engine's log"));
            }
            try {
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryError(500, 50002, "interrupted while waiting for '" + TOPIC + "'");
            }
        }
    }

    /** Applies one stored record: a proposed schema, a schema version, a deletion or a compatibility level. */
    private synchronized void apply(long offset, JsonNode record) {
        if (record.has("delete")) {
            delete(record.get("delete").asText(), record.path("version").asInt(0),
                    record.path("permanent").asBoolean());
        } else if (record.has("compatibility")) {
            levels.put(record.path("subject").asText(""), Compatibility.valueOf(record.get("compatibility").asText()));
        } else if (record.has("proposal")) {
            String proposal = record.get("proposal").asText();
            String refused = propose(record.get("subject").asText(), new Schema.Parser().parse(
                    record.get("schema").asText()));
            if (refused != null && proposing.contains(proposal)) {
                refusals.put(proposal, refused);
            }
            proposing.remove(proposal);
        } else {
            Schema schema = new Schema.Parser().parse(record.get("schema").asText());
            add(new Version(record.get("subject").asText(), record.get("version").asInt(), record.get("id").asInt(),
                    schema));
        }
        applied = offset + 1;
        notifyAll();
    }

    /**
     * The rule every registry applies a proposal by, in the topic's order.
     *
     * @return why the subject's compatibility refuses it, or null
     */
    private String propose(String subject, Schema schema) {
        TreeMap<Integer, Version> versions = subjects.getOrDefault(subject, new TreeMap<>());
        List<Version> live = versions.values().stream().filter(v -> !v.deleted()).toList();
        for (Version version : live) {
            if (version.schema().equals(schema)) {
                return null; // registered already
            }
        }
        Compatibility level = level(subject, true);
        List<String> broken = level.check(schema, live.stream().map(Version::schema).toList());
        if (!broken.isEmpty()) {
            return "Schema being registered is incompatible with an earlier schema for subject \"" + subject + "\" ("
                    + level + "): " + String.join("; ", broken);
        }
        int id = ids.entrySet().stream().filter(e -> e.getValue().equals(schema)).map(Map.Entry::getKey)
                .findFirst().orElse(highestId + 1);
        // Versions go on from the soft-deleted ones: a number names one schema until it is deleted for good.
        add(new Version(subject, versions.isEmpty() ? 1 : versions.lastKey() + 1, id, schema));
        return null;
    }

    private void add(Version version) {
        subjects.computeIfAbsent(version.subject(), s -> new TreeMap<>()).put(version.version(), version);
        ids.putIfAbsent(version.id(), version.schema());
        highestId = Math.max(highestId, version.id());
    }

    /**
     * Applies a deletion: soft marks the subject's versions (all for version 0) deleted; permanent removes those
     * that are soft-deleted, and the ids no version has any more.
     */
    private void delete(String subject, int which, boolean permanent) {
        TreeMap<Integer, Version> versions = subjects.get(subject);
        if (versions == null) {
            return;
        }
        for (Version version : List.copyOf(versions.values())) {
            if (which != 0 && version.version() != which) {
                continue;
            }
            if (!permanent) {
                versions.put(version.version(), new Version(subject, version.version(), version.id(),
                        version.schema(), true));
            } else if (version.deleted()) {
                versions.remove(version.version());
                if (subjects.values().stream().flatMap(v -> v.values().stream()).noneMatch(v -> v.id() == version.id())) {
                    ids.remove(version.id());
                }
            }
        }
        if (versions.isEmpty()) {
            subjects.remove(subject);
        }
    }

    /** Writes a record to the topic and waits until this registry has applied it. */
    private void store(String key, ObjectNode record) {
        long offset;
        try {
            offset = producer.send(new ProducerRecord<>(TOPIC, 0, key.getBytes(StandardCharsets.UTF_8),
                    JSON.writeValueAsBytes(record))).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).offset();
        } catch (ExecutionException | TimeoutException | IOException e) {
            throw new RegistryError(500, 50001, "the schema could not be stored in '" + TOPIC + "': " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryError(500, 50001, "interrupted while storing the schema");
        }
        awaitApplied(offset + 1);
    }

    /** A subject's versions; one that is not known yet is looked for again once the topic is read to its end. */
    TreeMap<Integer, Version> versionsOf(String subject) {
        return versionsOf(subject, false);
    }

    /** A subject's versions, the soft-deleted ones too when asked. */
    TreeMap<Integer, Version> versionsOf(String subject, boolean deleted) {
        TreeMap<Integer, Version> versions = knownVersions(subject, deleted);
        if (versions == null) {
            catchUp();
            versions = knownVersions(subject, deleted);
        }
        if (versions == null) {
            throw new RegistryError(404, 40401, "Subject '" + subject + "' not found.");
        }
        return versions;
    }

    private synchronized TreeMap<Integer, Version> knownVersions(String subject, boolean deleted) {
        TreeMap<Integer, Version> versions = new TreeMap<>(subjects.getOrDefault(subject, new TreeMap<>()));
        if (!deleted) {
            versions.values().removeIf(Version::deleted);
        }
        return versions.isEmpty() ? null : versions;
    }

    /** A version of a subject by number, or {@code latest} ({@code -1}). */
    Version version(String subject, String which) {
        return version(subject, which, false);
    }

    /** A version of a subject, a soft-deleted one too when asked. */
    Version version(String subject, String which, boolean deleted) {
        TreeMap<Integer, Version> versions = versionsOf(subject, deleted);
        if (which.equals("latest") || which.equals("-1")) {
            return versions.lastEntry().getValue();
        }
        int number = RegistryError.number(which, "version");
        if (number < 1) {
            throw new RegistryError(422, 42202, "The specified version '" + which + "' is not a valid version id."
                    + " Allowed values are between [1, 2^31-1] and the string \"latest\"");
        }
        Version version = versions.get(number);
        if (version == null) {
            throw new RegistryError(404, 40402, "Version " + which + " not found.");
        }
        return version;
    }

    /**
     * Deletes every version of a subject: soft (they are hidden, their ids kept), or for good once soft-deleted.
     *
     * @return the versions deleted
     */
    List<Integer> deleteSubject(String subject, boolean permanent) {
        catchUp();
        TreeMap<Integer, Version> all = versionsOf(subject, true);
        List<Integer> deleted = new ArrayList<>();
        for (Version version : all.values()) {
            if (!permanent && version.deleted()) {
                continue;
            }
            if (permanent && !version.deleted()) {
                throw new RegistryError(404, 40405, "Subject '" + subject + "' was not deleted first before being"
                        + " permanently deleted");
            }
            deleted.add(version.version());
        }
        if (deleted.isEmpty()) {
            throw new RegistryError(404, 40404, "Subject '" + subject + "' was soft deleted.Set permanent=true to"
                    + " delete permanently");
        }
        storeDeletion(subject, 0, permanent);
        return deleted;
    }

    /**
     * Deletes one version of a subject ({@code latest}: the latest one not deleted): soft, or for good once
     * soft-deleted.
     */
    int deleteVersion(String subject, String which, boolean permanent) {
        catchUp();
        Version version;
        if (which.equals("latest") || which.equals("-1")) {
            version = version(subject, which, permanent);
        } else {
            version = version(subject, which, true);
        }
        if (!permanent && version.deleted()) {
            throw new RegistryError(404, 40406, "Subject '" + subject + "' Version " + version.version()
                    + " was soft deleted.Set permanent=true to delete permanently");
        }
        if (permanent && !version.deleted()) {
            throw new RegistryError(404, 40407, "Subject '" + subject + "' Version " + version.version()
                    + " was not deleted first before being permanently deleted");
        }
        storeDeletion(subject, version.version(), permanent);
        return version.version();
    }

    private void storeDeletion(String subject, int version, boolean permanent) {
        store("delete/" + subject + "/" + java.util.UUID.randomUUID(), JSON.createObjectNode().put("delete", subject)
                .put("version", version).put("permanent", permanent));
    }

    /** A schema by id; one not known yet is looked for again once the topic is read to its end. */
    Schema schemaById(int id) {
        Schema schema = knownSchema(id);
        if (schema == null) {
            catchUp();
            schema = knownSchema(id);
        }
        if (schema == null) {
            throw new RegistryError(404, 40403, "Schema " + id + " not found");
        }
        return schema;
    }

    private synchronized Schema knownSchema(int id) {
        return ids.get(id);
    }

    /** Registers a schema (or finds it registered) under the subject, checking the subject's compatibility. */
    int register(String subject, Schema schema) {
        synchronized (this) {
            Integer known = idUnder(subject, schema);
            if (known != null) {
                return known; // registered already: no need to ask the topic
            }
        }
        catchUp();
        String proposal = java.util.UUID.randomUUID().toString();
        synchronized (this) {
            Integer known = idUnder(subject, schema);
            if (known != null) {
                return known;
            }
            proposing.add(proposal);
        }
        store("proposal/" + subject + "/" + proposal, JSON.createObjectNode().put("proposal", proposal)
                .put("subject", subject).put("schema", schema.toString()));
        synchronized (this) {
            String refused = refusals.remove(proposal);
            if (refused != null) {
                throw new RegistryError(409, 409, refused);
            }
            return idUnder(subject, schema);
        }
    }

    private Integer idUnder(String subject, Schema schema) {
        for (Version version : subjects.getOrDefault(subject, new TreeMap<>()).values()) {
            if (!version.deleted() && version.schema().equals(schema)) {
                return version.id();
            }
        }
        return null;
    }

    /**
     * The subject's compatibility level ({@code ""}: the registry's); without its own, the registry's when
     * {@code defaultToGlobal}, else 40408.
     */
    synchronized Compatibility level(String subject, boolean defaultToGlobal) {
        Compatibility own = levels.get(subject);
        if (own != null) {
            return own;
        }
        if (!defaultToGlobal && !subject.isEmpty()) {
            throw new RegistryError(404, 40408, "Subject '" + subject + "' does not have subject-level compatibility"
                    + " configured");
        }
        return levels.getOrDefault("", Compatibility.BACKWARD);
    }

    /** Every subject (with a version not deleted, unless {@code deleted}), once the topic is read to its end. */
    List<String> subjects(boolean deleted) {
        catchUp();
        synchronized (this) {
            return subjects.entrySet().stream()
                    .filter(e -> deleted || e.getValue().values().stream().anyMatch(v -> !v.deleted()))
                    .map(Map.Entry::getKey).toList();
        }
    }

    /** Where a schema is registered: its versions under every subject (the soft-deleted ones when asked). */
    synchronized List<Version> usesOf(int id, boolean deleted) {
        List<Version> uses = new ArrayList<>();
        subjects.values().forEach(versions -> versions.values().stream()
                .filter(v -> v.id() == id && (deleted || !v.deleted())).forEach(uses::add));
        return uses;
    }

    /** The version of the subject that has this schema (a soft-deleted one too when asked). */
    Version lookup(String subject, Schema schema, boolean deleted) {
        for (Version version : versionsOf(subject, deleted).values()) {
            if (version.schema().equals(schema)) {
                return version;
            }
        }
        throw new RegistryError(404, 40403, "Schema not found");
    }

    /** The schemas a compatibility check is against: none for an unknown subject, else the one asked for. */
    List<Schema> against(String subject, String which) {
        synchronized (this) {
            TreeMap<Integer, Version> versions = knownVersions(subject, false);
            if (versions == null) {
                return List.of();
            }
            if (which.equals("latest")) {
                return List.of(versions.lastEntry().getValue().schema());
            }
        }
        return List.of(version(subject, which).schema());
    }

    /** Sets the compatibility level of a subject, or the registry's for {@code ""}. */
    void setLevel(String subject, Compatibility level) {
        store("config/" + subject, JSON.createObjectNode().put("subject", subject).put("compatibility", level.name()));
    }

    @Override
    public void close() {
        closing = true;
        tail.wakeup();
        try {
            follower.join(TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tail.close(Duration.ofSeconds(5));
        synchronized (ends) {
            ends.close(Duration.ofSeconds(5));
        }
        producer.close(Duration.ofSeconds(5));
    }
}
