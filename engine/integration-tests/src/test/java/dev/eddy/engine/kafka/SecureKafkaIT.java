package dev.eddy.engine.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.Delivery;
import dev.eddy.engine.Engine;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.local.EmbeddedKafka;
import dev.eddy.engine.testing.CopyHandler;
import dev.eddy.engine.testing.Tally;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An engine on a secured broker, through the {@code kafka.*} settings only: a TLS listener (the broker's
 * certificate checked against a trust store, host name included), and SASL over TLS with PLAIN and with
 * SCRAM-SHA-512. Over each, a function copies 1,000 records end to end; every client the engine makes (its
 * function's consumer and producer, its admin client, its writers of Eddy's own topics) must speak it, or the
 * records do not arrive. The broker keeps a plaintext listener for itself and for making topics.
 */
class SecureKafkaIT {

    private static final String PASSWORD = "store-secret";
    private static final Duration QUIET = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    private static EmbeddedKafka broker;
    private static Admin plainAdmin;
    private static int tlsPort;
    private static int saslPort;

    @BeforeAll
    static void startSecuredBroker() throws Exception {
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keystore().toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-alias", "broker", "-keystore", keystore().toString(), "-storepass", PASSWORD,
                "-file", dir.resolve("broker.crt").toString());
        keytool("-importcert", "-noprompt", "-alias", "broker", "-file", dir.resolve("broker.crt").toString(),
                "-storetype", "PKCS12", "-keystore", truststore().toString(), "-storepass", PASSWORD);
        tlsPort = freePort();
        saslPort = freePort();
        Map<String, String> settings = new HashMap<>();
        settings.put("ssl.keystore.type", "PKCS12");
        settings.put("ssl.keystore.location", keystore().toString());
        settings.put("ssl.keystore.password", PASSWORD);
        settings.put("ssl.key.password", PASSWORD);
        settings.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512");
        settings.put("listener.name.sasl_ssl.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_plain-user=\"plain-secret\";");
        settings.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        // ACLs are checked: the broker itself (plaintext, anonymous) and the first users may do anything; team-a
        // only what the ACLs below grant it.
        settings.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        settings.put("super.users", "User:ANONYMOUS;User:plain-user;User:scram-user");
        broker = EmbeddedKafka.start(dir.resolve("broker"), 0, true, settings,
                Map.of("SSL", tlsPort, "SASL_SSL", saslPort));
        plainAdmin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        plainAdmin.alterUserScramCredentials(List.of(
                new UserScramCredentialUpsertion("scram-user", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512,
                        4096), "scram-secret"),
                new UserScramCredentialUpsertion("team-a", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512,
                        4096), "team-secret"))).all().get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopBroker() {
        if (plainAdmin != null) {
            plainAdmin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldRunAFunctionOverTls() {
        assertCopiesEveryRecord("tls", tls(tlsPort));
    }

    @Test
    void shouldRunAFunctionOverSaslPlain() {
        Map<String, Object> settings = tls(saslPort);
        settings.put("kafka.security.protocol", "SASL_SSL");
        settings.put("kafka.sasl.mechanism", "PLAIN");
        settings.put("kafka.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"plain-user\" password=\"plain-secret\";");
        assertCopiesEveryRecord("plain", settings);
    }

    @Test
    void shouldRunAFunctionOverSaslScram() {
        assertCopiesEveryRecord("scram", scram("scram-user", "scram-secret"));
    }

    /**
     * An engine whose names.prefix is team-a, as a user whose ACLs grant it the topics {@code team-a.*}, the groups
     * and transactional ids {@code team-a-*}, and its function's input and output, nothing else: an EXACTLY_ONCE
     * function (a group, transactions, fencing at deploy, a dead-letter and a replay topic, Eddy's logs, usage and
     * events topics) runs end to end. Under the default prefix the same user is refused.
     */
    @Test
    void shouldRunUnderItsNamesPrefixWithAclsForThatPrefixAlone() throws Exception {
        String user = "User:team-a";
        List<AclBinding> acls = new ArrayList<>();
        for (ResourcePattern pattern : List.of(
                new ResourcePattern(ResourceType.TOPIC, "team-a.", PatternType.PREFIXED),
                new ResourcePattern(ResourceType.GROUP, "team-a-", PatternType.PREFIXED),
                new ResourcePattern(ResourceType.TRANSACTIONAL_ID, "team-a-", PatternType.PREFIXED),
                new ResourcePattern(ResourceType.TOPIC, "acl-in", PatternType.LITERAL),
                new ResourcePattern(ResourceType.TOPIC, "acl-out", PatternType.LITERAL))) {
            acls.add(new AclBinding(pattern, new AccessControlEntry(user, "*", AclOperation.ALL,
                    AclPermissionType.ALLOW)));
        }
        plainAdmin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
        Map<String, Object> teamA = scram("team-a", "team-secret");
        teamA.put(EngineConfig.NAMES_PREFIX, "team-a");
        assertCopiesEveryRecord("acl", teamA, Delivery.EXACTLY_ONCE);

        Map<String, Object> defaultNames = scram("team-a", "team-secret");
        try (Engine engine = new Engine(new EngineConfig(defaultNames), new SimpleMeterRegistry())) {
            Exception refused = assertThrows(Exception.class, () -> engine.deploy(FunctionDefinition
                    .builder("acl-copy").input("acl-in").output("acl-out").handler(new CopyHandler()).build()));
            assertTrue(String.valueOf(refused.getMessage()).contains("eddy.dlq.acl-copy")
                    && causeOf(refused, TopicAuthorizationException.class) != null, refused.toString());
        }
    }

    @Test
    void shouldRefuseAWrongPassword() {
        EngineConfig config = new EngineConfig(scram("scram-user", "not-the-password"));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ClientConfigs.producer(config, "wrong"))) {
            Exception failure = assertThrows(Exception.class, () -> producer.send(new ProducerRecord<>("any",
                    new byte[0])).get(30, TimeUnit.SECONDS));
            assertTrue(causeOf(failure, SaslAuthenticationException.class) != null, failure.toString());
        }
    }

    private static Map<String, Object> scram(String user, String password) {
        Map<String, Object> settings = tls(saslPort);
        settings.put("kafka.security.protocol", "SASL_SSL");
        settings.put("kafka.sasl.mechanism", "SCRAM-SHA-512");
        settings.put("kafka.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"" + user + "\" password=\"" + password + "\";");
        return settings;
    }

    /** Engine settings for the TLS listener on a port: only the trust store, as a client of a private CA has. */
    private static Map<String, Object> tls(int port) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:" + port);
        settings.put(EngineConfig.COMMIT_INTERVAL_MS, 100L);
        settings.put("kafka.security.protocol", "SSL");
        settings.put("kafka.ssl.truststore.type", "PKCS12");
        settings.put("kafka.ssl.truststore.location", truststore().toString());
        settings.put("kafka.ssl.truststore.password", PASSWORD);
        return settings;
    }

    private static void assertCopiesEveryRecord(String name, Map<String, Object> settings) {
        assertCopiesEveryRecord(name, settings, Delivery.AT_LEAST_ONCE);
    }

    private static void assertCopiesEveryRecord(String name, Map<String, Object> settings, Delivery delivery) {
        EngineConfig config = new EngineConfig(settings);
        String input = name + "-in";
        String output = name + "-out";
        Topics.create(plainAdmin, input, 3);
        Topics.create(plainAdmin, output, 3);
        Set<String> ids = produce(config, input, 1000);
        FunctionDefinition function = FunctionDefinition.builder(name + "-copy").input(input).output(output)
                .delivery(delivery).handler(new CopyHandler()).build();
        try (Engine engine = new Engine(config, new SimpleMeterRegistry())) {
            engine.deploy(function);
            await().atMost(QUIET).until(() -> readValues(config, output).size() >= ids.size());
        }
        Tally tally = Tally.of(ids, readValues(config, output));
        assertEquals(0, tally.lost() + tally.unexpected(), tally.toString());
    }

    private static Set<String> produce(EngineConfig config, String topic, int count) {
        Set<String> ids = new HashSet<>();
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ClientConfigs.producer(config, "test"))) {
            for (int i = 0; i < count; i++) {
                String id = "id-" + i;
                ids.add(id);
                sends.add(producer.send(new ProducerRecord<>(topic, ("k" + i % 10).getBytes(StandardCharsets.UTF_8),
                        id.getBytes(StandardCharsets.UTF_8))));
            }
            Sends.awaitAll(sends, QUIET, "producing over a secured listener");
        }
        return ids;
    }

    private static List<String> readValues(EngineConfig config, String topic) {
        List<String> values = new ArrayList<>();
        TopicReader.readAll(config, topic, QUIET, "no topic " + topic,
                record -> values.add(new String(record.value(), StandardCharsets.UTF_8)));
        return values;
    }

    /** The first cause of that type in the failure's chain, or null. */
    private static Throwable causeOf(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return cause;
            }
        }
        return null;
    }

    private static Path keystore() {
        return dir.resolve("broker.p12");
    }

    private static Path truststore() {
        return dir.resolve("trust.p12");
    }

    private static void keytool(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", arguments) + " failed: " + output);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
