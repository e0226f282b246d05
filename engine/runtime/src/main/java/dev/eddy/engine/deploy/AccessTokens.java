package dev.eddy.engine.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eddy.engine.EddyException;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.kafka.ClientConfigs;
import dev.eddy.engine.kafka.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The admin API's scoped tokens, kept in the compacted topic {@code <prefix>.api.tokens} that every engine of the
 * cluster reads, so that a token made through one engine opens the others and one revoked through any is refused by
 * all. A token is {@code eddy_<id>_<secret>}: the record under its id holds its {@link Role}, the function-name prefix
 * it is limited to, and the SHA-256 of its secret — never the secret, which is shown once, when the token is made
 * (32 random hex digits: a hash this wide cannot be searched, so a slow hash would add nothing). Each check first
 * reads the topic to its end, so a revocation holds at once on every engine.
 */
public final class AccessTokens implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern TOKEN = Pattern.compile("eddy_([0-9a-f]{8})_([0-9a-f]{32})");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a token may do; each role may do what the ones before it may. */
    public enum Role {
        /** List functions and see their status. */
        READ,
        /** Also read keyed state and roll back. */
        OPERATE,
        /** Also deploy and undeploy. */
        DEPLOY,
        /** Everything, tokens too: the engine's own admin token. */
        ADMIN;

        /** The role's name as users write it: {@code read}, {@code operate}, {@code deploy}, {@code admin}. */
        public String scope() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** A role by its scope name. */
        public static Role of(String scope) {
            for (Role role : values()) {
                if (role.scope().equals(scope) && role != ADMIN) {
                    return role;
                }
            }
            throw new IllegalArgumentException("the role '" + scope + "' is not one of read, operate, deploy");
        }
    }

    /** A token as kept: never its secret. */
    public record Token(String id, Role role, String prefix, String description, Instant created) {
    }

    private final String topic;
    private final TopicPartition partition;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    /** The tokens by id, with the hash of each one's secret. Guarded by this. */
    private final Map<String, Token> tokens = new TreeMap<>();
    private final Map<String, byte[]> hashes = new TreeMap<>();

    public AccessTokens(EngineConfig config, Admin admin) {
        this.topic = config.names().apiTokens();
        this.partition = new TopicPartition(topic, 0);
        Topics.create(admin, topic, 1, (short) -1, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                TopicConfig.CLEANUP_POLICY_COMPACT));
        this.producer = new KafkaProducer<>(ClientConfigs.producer(config, "eddy-api-tokens"));
        this.consumer = new KafkaConsumer<>(ClientConfigs.reader(config, "eddy-api-tokens"));
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
    }

    /**
     * Makes a token.
     *
     * @return the token itself, the one time it is shown, and what is kept of it
     */
    public Map.Entry<String, Token> create(Role role, String prefix, String description) {
        byte[] id = new byte[4];
        byte[] secret = new byte[16];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        String secretText = HexFormat.of().formatHex(secret);
        Token token = new Token(HexFormat.of().formatHex(id), role, prefix, description,
                Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        ObjectNode record = JSON.createObjectNode().put("role", role.scope()).put("prefix", prefix)
                .put("description", description).put("created", token.created().toString())
                .put("sha256", HexFormat.of().formatHex(sha256(secretText)));
        try {
            write(token.id(), JSON.writeValueAsBytes(record));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Map.entry("eddy_" + token.id() + "_" + secretText, token);
    }

    /** Every token, as kept. */
    public synchronized List<Token> list() {
        catchUp();
        return List.copyOf(tokens.values());
    }

    /** Revokes a token by its id; false when there is none. */
    public boolean revoke(String id) {
        synchronized (this) {
            catchUp();
            if (!tokens.containsKey(id)) {
                return false;
            }
        }
        write(id, null);
        return true;
    }

    /** The token a bearer presents, if it is one of these and its secret matches. */
    public synchronized Optional<Token> check(String bearer) {
        Matcher matcher = TOKEN.matcher(bearer);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        catchUp();
        byte[] kept = hashes.get(matcher.group(1));
        boolean matches = kept != null && MessageDigest.isEqual(kept, sha256(matcher.group(2)));
        return matches ? Optional.of(tokens.get(matcher.group(1))) : Optional.empty();
    }

    private void write(String id, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, 0, id.getBytes(StandardCharsets.UTF_8), value))
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new EddyException("The token could not be kept in '" + topic + "': " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EddyException("Interrupted while keeping the token", e);
        }
    }

    /** Reads the topic up to its end as it is now. */
    private void catchUp() {
        long end = consumer.endOffsets(List.of(partition), TIMEOUT).get(partition);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (consumer.position(partition, TIMEOUT) < end) {
            if (System.nanoTime() > deadline) {
                throw new EddyException("The tokens in '" + topic + "' were not read within " + TIMEOUT.toSeconds()
                        + " s");
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                apply(new String(record.key(), StandardCharsets.UTF_8), record.value());
            }
        }
    }

    private void apply(String id, byte[] value) {
        if (value == null) {
            tokens.remove(id);
            hashes.remove(id);
            return;
        }
        try {
            JsonNode json = JSON.readTree(value);
            tokens.put(id, new Token(id, Role.valueOf(json.path("role").asText().toUpperCase(java.util.Locale.ROOT)),
                    json.path("prefix").asText(""), json.path("description").asText(""),
                    Instant.parse(json.path("created").asText())));
            hashes.put(id, HexFormat.of().parseHex(json.path("sha256").asText()));
        } catch (IOException | RuntimeException e) {
            tokens.remove(id); // not a token record: it opens nothing
            hashes.remove(id);
        }
    }

    private static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        consumer.close(Duration.ofSeconds(5));
        producer.close(Duration.ofSeconds(5));
    }
}
