package dev.eddy.engine.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.Delivery;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.InvalidFunctionException;
import dev.eddy.engine.Ordering;
import dev.eddy.sdk.Handler;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ManifestParserTest {

    private static final String FULL = """
            name: temperature-monitor
            version: 1.2.0
            handler: com.example.iot.TemperatureMonitor
            inputs: [iot.telemetry]
            outputs:
              default: iot.readings
              alerts: iot.alerts
            ordering: KEY
            maxConcurrency: 200
            delivery: at-least-once
            timeout: 5s
            retry:
              maxAttempts: 3
              initialBackoff: 100ms
              maxBackoff: 2s
            memory: 512
            scaling: {min: 0, max: 4, idleAfter: 90s}
            config:
              threshold: 30
              unit: celsius
            secrets:
              api-token: env:IOT_API_TOKEN
            """;

    @Test
    void shouldReadEveryField() {
        Manifest manifest = ManifestParser.parse(FULL);
        assertEquals("temperature-monitor", manifest.name());
        assertEquals("1.2.0", manifest.version());
        assertEquals("com.example.iot.TemperatureMonitor", manifest.handlerClass());
        assertNull(manifest.remoteUrl());
        assertEquals(List.of("iot.telemetry"), manifest.inputs());
        assertEquals(Map.of("default", "iot.readings", "alerts", "iot.alerts"), manifest.outputs());
        assertEquals(Ordering.KEY, manifest.ordering());
        assertEquals(200, manifest.maxConcurrency());
        assertEquals(Delivery.AT_LEAST_ONCE, manifest.delivery());
        assertEquals(Duration.ofSeconds(5), manifest.timeout());
        assertEquals(3, manifest.retry().maxAttempts());
        assertEquals(Duration.ofMillis(100), manifest.retry().initialBackoff());
        assertEquals(Duration.ofMinutes(10), manifest.retry().maxAge(), "unset retry fields keep their defaults");
        assertEquals(512, manifest.memoryMb());
        assertEquals(0, manifest.scalingMin());
        assertEquals(4, manifest.scalingMax());
        assertEquals(Duration.ofSeconds(90), manifest.scalingIdleAfter());
        assertEquals(Map.of("threshold", "30", "unit", "celsius"), manifest.config());
        assertEquals(Map.of("api-token", "env:IOT_API_TOKEN"), manifest.secrets());

        Handler handler = (event, ctx) -> { };
        FunctionDefinition definition = manifest.toDefinition(handler, Map.of("api-token", "t"));
        assertEquals("eddy-temperature-monitor", definition.groupId());
        assertEquals("30", definition.config().string("threshold"));
        assertEquals(Duration.ofSeconds(5), definition.timeout());
    }

    @Test
    void shouldFillDefaultsForAMinimalRemoteFunction() {
        Manifest manifest = ManifestParser.parse("""
                name: enrich
                remote:
                  url: http://127.0.0.1:8080/enrich
                inputPattern: "logs\\\\..*"
                """);
        assertEquals(URI.create("http://127.0.0.1:8080/enrich"), manifest.remoteUrl());
        assertEquals("logs\\..*", manifest.inputPattern());
        assertEquals("1", manifest.version());
        assertEquals(Ordering.KEY, manifest.ordering());
        assertEquals(Manifest.Format.JSON, manifest.valueFormat());
        assertEquals(256, manifest.memoryMb());
        assertNull(manifest.retry());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "name: Not_Valid | name | 'Not_Valid'",
        "maxConcurrency: 0 | maxConcurrency | 1 to 100000",
        "maxConcurrency: many | maxConcurrency | 'many'",
        "ordering: RANDOM | ordering | KEY, PARTITION or UNORDERED",
        "timeout: forever | timeout | a duration such as 500ms",
        "timeout: 1h | timeout | 1ms to 15m",
        "memory: 300 | memory | 128, 256, 512",
        "'retry: {maxAttempts: 0}' | retry.maxAttempts | 1 to 1000",
        "'retry: {initialBackoff: 5s, maxBackoff: 1s}' | retry.maxBackoff | no shorter than retry.initialBackoff",
        "'scaling: {min: 5, max: 2}' | scaling.min | 0 to scaling.max",
        "'secrets: {token: s3cr3t}' | secrets.token | env:VARIABLE or file:/path",
        "'outputs: {default: in}' | outputs.default | feed the function its own events",
        "ordrering: KEY | ordrering | did you mean 'ordering'?",
        "'retry: {attempts: 3}' | retry.attempts | did you mean 'retry.maxAttempts'?",
        "handler: 'not a class' | handler | a fully qualified class name",
        "'inputPattern: \"[\"' | inputs | exactly one",
        "'state: {store: mongo}' | state.store | one of kafka, redis, postgres",
        "'state: {store: postgres}' | state.url | jdbc:postgresql://",
        "'state: {values: [count]}' | state.values | declares its state in code",
        "'kafka: {consumer: {sasl.jaas.config: x}}' | kafka.consumer.sasl.jaas.config | the credentials and any setting naming a class are the engine's",
        "'kafka: {producer: {interceptor.classes: evil.Spy}}' | kafka.producer.interceptor.classes | one of [batch.size,",
        "'kafka: {consumer: {bootstrap.servers: \"elsewhere:9092\"}}' | kafka.consumer.bootstrap.servers | fetch.min.bytes",
        "'kafka: {producer: {value.serializer: a.B}}' | kafka.producer.value.serializer | naming a class",
        "'kafka: {producer: {linger.ms: soon}}' | kafka.producer.linger.ms | Not a number of type LONG",
        "'kafka: {producer: {compression.type: rar}}' | kafka.producer.compression.type | String must be one of",
        "'kafka: {settings: {a: b}}' | kafka.settings | no such field",
        "'window: {kind: rolling, size: 10s}' | window.kind | tumbling, hopping or session",
        "'window: {kind: tumbling}' | window.kind | tumbling windows with window.size",
        "'window: {kind: tumbling, size: 10s, gap: 5s}' | window.kind | no window.gap",
        "'window: {kind: session, size: 10s}' | window.kind | session windows with window.gap",
        "'window: {kind: hopping, size: 10s, advance: 20s}' | window.advance | at most its size",
        "'window: {kind: hopping, size: 10s, advance: 3s}' | window.advance | a whole number of advances",
        "'window: {kind: tumbling, size: 10s, grace: -1s}' | window.grace | a duration such as",
        "'window: {kind: tumbling, size: 10s, emit: sometimes}' | window.emit | final or updates",
        "'window: {kind: tumbling, size: 10s, graze: 1s}' | window.graze | did you mean 'window.grace'?",
        "'window: {size: 10s}' | window.kind | window.kind with the other",
        "'tables: {Devices: iot.devices}' | tables.Devices | table name 'Devices' is not valid",
    })
    void shouldNameTheFieldTheValueAndWhatIsValid(String line, String field, String expected) {
        String yaml = base(line);
        InvalidFunctionException error = assertThrows(InvalidFunctionException.class, () -> ManifestParser.parse(yaml));
        assertEquals(field, error.field(), error.getMessage());
        assertTrue(error.getMessage().contains(expected), error.getMessage());
    }

    @Test
    void shouldTuneTheFunctionsOwnClients() {
        Manifest manifest = ManifestParser.parse(base("kafka: {consumer: {fetch.min.bytes: 65536},"
                + " producer: {linger.ms: 20, compression.type: zstd}}"));
        dev.eddy.engine.FunctionDefinition definition = manifest.toDefinition(
                (dev.eddy.sdk.Handler) (event, context) -> { }, Map.of());
        assertEquals(Map.of("fetch.min.bytes", 65536), definition.consumerSettings());
        assertEquals(Map.of("linger.ms", 20L, "compression.type", "zstd"), definition.producerSettings());
    }

    @Test
    void shouldReadTheStartingPosition() {
        assertEquals(dev.eddy.engine.StartingPosition.EARLIEST, ManifestParser.parse(base("version: 1")).startingPosition());
        assertEquals(dev.eddy.engine.StartingPosition.LATEST,
                ManifestParser.parse(base("startingPosition: latest")).startingPosition());
        assertEquals(new dev.eddy.engine.StartingPosition.At(java.time.Instant.parse("2026-12-01T00:00:00Z")),
                ManifestParser.parse(base("startingPosition: 2026-12-01T00:00:00Z")).startingPosition());
        InvalidFunctionException error = assertThrows(InvalidFunctionException.class,
                () -> ManifestParser.parse(base("startingPosition: yesterday")));
        assertEquals("startingPosition", error.field());
        assertTrue(error.getMessage().contains("yesterday") && error.getMessage().contains("latest"),
                error.getMessage());
    }

    @Test
    void shouldRefuseAFunctionWithBothOrNeitherHandlerAndRemote() {
        InvalidFunctionException both = assertThrows(InvalidFunctionException.class, () -> ManifestParser.parse("""
                name: f
                handler: a.B
                remote: {url: "http://127.0.0.1:1/f"}
                inputs: [in]
                """));
        assertTrue(both.getMessage().contains("exactly one"), both.getMessage());
        assertThrows(InvalidFunctionException.class, () -> ManifestParser.parse("name: f\ninputs: [in]\n"));
    }

    @Test
    void shouldTakePythonAndNodeEntryPointsAndSayWhatIsValidForEach() {
        Manifest python = ManifestParser.parse("name: f\nruntime: python\nhandler: readings.main:handle\n"
                + "inputs: [in]\nstate: {values: [count]}\n");
        assertEquals(Manifest.Runtime.PYTHON, python.runtime());
        assertTrue(python.isLanguage() && python.speaksRemoteProtocol() && !python.isRemote());
        assertEquals("readings.main:handle", python.handlerClass());
        assertEquals(Manifest.Runtime.NODE, ManifestParser.parse("name: f\nruntime: node\nhandler: src/index.mjs\n"
                + "inputs: [in]\n").runtime());
        assertEquals(Manifest.Runtime.JAVA, ManifestParser.parse("name: f\nhandler: a.B\ninputs: [in]\n").runtime());

        InvalidFunctionException module = assertThrows(InvalidFunctionException.class, () -> ManifestParser.parse(
                "name: f\nruntime: python\nhandler: main.py\ninputs: [in]\n"));
        assertEquals("handler", module.field());
        assertTrue(module.getMessage().contains("main.py") && module.getMessage().contains("module:name"),
                module.getMessage());
        InvalidFunctionException outside = assertThrows(InvalidFunctionException.class, () -> ManifestParser.parse(
                "name: f\nruntime: node\nhandler: ../index.mjs\ninputs: [in]\n"));
        assertTrue(outside.getMessage().contains("no '..'"), outside.getMessage());
        InvalidFunctionException remote = assertThrows(InvalidFunctionException.class, () -> ManifestParser.parse(
                "name: f\nruntime: node\nremote: {url: \"http://127.0.0.1:1/f\"}\ninputs: [in]\n"));
        assertEquals("remote.url", remote.field());
        InvalidFunctionException unknown = assertThrows(InvalidFunctionException.class, () -> ManifestParser.parse(
                "name: f\nruntime: ruby\nhandler: main.rb\ninputs: [in]\n"));
        assertTrue(unknown.getMessage().contains("java, python or node"), unknown.getMessage());
    }

    @Test
    void shouldPointAtTheLineOfAYamlSyntaxError() {
        InvalidFunctionException error = assertThrows(InvalidFunctionException.class,
                () -> ManifestParser.parse("name: f\ninputs: [in\nhandler: a.B\n"));
        assertEquals("function.yaml", error.field());
        assertTrue(error.getMessage().contains("valid YAML"), error.getMessage());
    }

    @Test
    void shouldRefuseAPatternThatWouldReadTheFunctionsOwnDeadLetters() {
        InvalidFunctionException error = assertThrows(InvalidFunctionException.class,
                () -> ManifestParser.parse("name: f\nhandler: a.B\ninputPattern: \".*\"\n"));
        assertEquals("inputPattern", error.field());
        assertTrue(error.getMessage().contains("eddy.dlq.f"), error.getMessage());
    }

    public static final class Counter implements dev.eddy.sdk.window.WindowedFunction<byte[], Long,
            dev.eddy.sdk.window.WindowResult<Long>> {
        @Override
        public dev.eddy.sdk.Codec<byte[]> input() {
            return dev.eddy.sdk.Codec.bytes();
        }

        @Override
        public dev.eddy.sdk.window.Aggregate<byte[], Long> aggregate() {
            return dev.eddy.sdk.window.Aggregate.count();
        }
    }

    @Test
    void shouldGiveAWindowedFunctionTheManifestsWindowsAndExactlyOnce() {
        String windowed = "name: f\nhandler: a.B\ninputs: [in]\noutputs: {default: out}\n";
        Manifest manifest = ManifestParser.parse(windowed + "window: {kind: hopping, size: 1m, advance: 10s,"
                + " grace: 5s, emit: updates}");
        dev.eddy.sdk.window.Window window = manifest.window();
        assertEquals(dev.eddy.sdk.window.Window.hopping(Duration.ofMinutes(1), Duration.ofSeconds(10))
                .grace(Duration.ofSeconds(5)).emit(dev.eddy.sdk.window.Window.Emit.UPDATES), window);
        FunctionDefinition definition = manifest.toDefinition(new Counter(), Map.of());
        assertEquals(window, definition.window());
        assertEquals(Delivery.EXACTLY_ONCE, definition.delivery());
        FunctionDefinition atLeastOnce = ManifestParser.parse(windowed + "delivery: at-least-once\nwindow: {kind:"
                + " session, gap: 30s}").toDefinition(new Counter(), Map.of());
        assertEquals(Delivery.AT_LEAST_ONCE, atLeastOnce.delivery());
        InvalidFunctionException notWindowed = assertThrows(InvalidFunctionException.class,
                () -> manifest.toDefinition((Handler) (event, ctx) -> { }, Map.of()));
        assertTrue(notWindowed.getMessage().contains("WindowedFunction"), notWindowed.getMessage());
        InvalidFunctionException noWindows = assertThrows(InvalidFunctionException.class,
                () -> ManifestParser.parse(windowed).toDefinition(new Counter(), Map.of()));
        assertEquals("window.kind", noWindows.field());
    }

    @Test
    void shouldGiveTheTablesTheHandlerDeclaresTheirTopics() {
        dev.eddy.sdk.TableSpec<String> devices = dev.eddy.sdk.TableSpec.named("devices", dev.eddy.sdk.Codec.string());
        Handler declaring = new Handler() {
            @Override
            public void handle(dev.eddy.sdk.Event event, dev.eddy.sdk.Context context) {
            }

            @Override
            public List<dev.eddy.sdk.TableSpec<?>> tables() {
                return List.of(devices);
            }
        };
        Manifest manifest = ManifestParser.parse(base("tables: {devices: iot.devices}"));
        assertEquals(Map.of("devices", "iot.devices"), manifest.tables());
        assertEquals(Map.of("devices", "iot.devices"), manifest.toDefinition(declaring, Map.of()).tables());
        InvalidFunctionException undeclared = assertThrows(InvalidFunctionException.class,
                () -> manifest.toDefinition((Handler) (event, ctx) -> { }, Map.of()));
        assertEquals("tables.devices", undeclared.field());
        assertTrue(undeclared.getMessage().contains("declares in tables(): none"), undeclared.getMessage());
        InvalidFunctionException unmapped = assertThrows(InvalidFunctionException.class,
                () -> ManifestParser.parse(base("version: 2")).toDefinition(declaring, Map.of()));
        assertEquals("tables.devices", unmapped.field());
        assertTrue(unmapped.getMessage().contains("tables: {devices: <topic>}"), unmapped.getMessage());
    }

    @Test
    void shouldDocumentEveryField() {
        String table = ManifestField.markdownTable();
        for (ManifestField field : ManifestField.values()) {
            assertTrue(table.contains("| `" + field.path() + "` |"), field.path());
        }
    }

    /** A valid manifest with one line added or replacing the field it sets. */
    @Test
    void shouldGiveARemoteFunctionStateValuesOneEventAtATime() {
        String remote = "name: f\nremote: {url: \"http://127.0.0.1:1/f\"}\ninputs: [in]\n";
        Manifest manifest = ManifestParser.parse(remote + "state: {values: [count, last-seen], ttl: 1h}\n");
        assertEquals(List.of("count", "last-seen"), manifest.stateValues());
        assertEquals(java.time.Duration.ofHours(1), manifest.stateTtl());
        InvalidFunctionException batches = assertThrows(InvalidFunctionException.class,
                () -> ManifestParser.parse(remote + "state: {values: [count]}\nbatch: {maxSize: 10}\n"));
        assertEquals("batch.maxSize", batches.field());
        InvalidFunctionException name = assertThrows(InvalidFunctionException.class,
                () -> ManifestParser.parse(remote + "state: {values: [Count]}\n"));
        assertEquals("state.values", name.field());
        InvalidFunctionException unordered = assertThrows(InvalidFunctionException.class,
                () -> ManifestParser.parse(remote + "state: {values: [count]}\nordering: UNORDERED\n"));
        assertEquals("ordering", unordered.field());
    }

    private static String base(String line) {
        String key = line.substring(0, line.indexOf(':'));
        StringBuilder yaml = new StringBuilder();
        for (String existing : List.of("name: f", "handler: a.B", "inputs: [in]")) {
            if (!existing.startsWith(key + ":") && !(key.equals("inputPattern") && existing.startsWith("inputs"))) {
                yaml.append(existing).append('\n');
            }
        }
        if (key.equals("inputPattern")) {
            yaml.append("inputs: [in]\n"); // both given: refused before the pattern is looked at
        }
        return yaml.append(line).append('\n').toString();
    }
}
