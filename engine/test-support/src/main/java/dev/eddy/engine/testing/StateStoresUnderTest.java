package dev.eddy.engine.testing;

import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.StateBackend;
import dev.eddy.engine.state.KeyState;
import dev.eddy.engine.state.StateJson;
import dev.eddy.engine.state.StateQuery;
import dev.eddy.engine.state.StateStores;
import dev.eddy.engine.testing.servers.TestServers;
import dev.eddy.sdk.runtime.StateStore;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;

/**
 * The state stores tests run against: a real Redis and a real PostgreSQL that the tests start themselves
 * ({@link TestServers}), and Kafka's changelog.
 */
public final class StateStoresUnderTest {

    private StateStoresUnderTest() {
    }

    /** The URL of the tests' Redis (started on first use). */
    public static String redisUrl() {
        return TestServers.redis().url();
    }

    /** The JDBC URL of the tests' PostgreSQL database {@code test} (started on first use). */
    public static String postgresUrl() {
        return TestServers.postgres().jdbcUrl();
    }

    /** The store of that kind, at the tests' own server. */
    public static StateBackend backend(String kind) {
        return StateBackend.of(kind, switch (kind) {
            case "redis" -> redisUrl();
            case "postgres" -> postgresUrl();
            default -> null;
        });
    }

    /** The arguments of {@code eddy run} that choose the store. */
    public static java.util.List<String> runArguments(String kind) {
        StateBackend backend = backend(kind);
        return switch (backend) {
            case StateBackend.Redis redis -> java.util.List.of("--state-store", "redis", "--state-url", redis.url());
            case StateBackend.Postgres postgres -> java.util.List.of("--state-store", "postgres", "--state-url",
                    postgres.url());
            default -> java.util.List.of("--state-store", "kafka");
        };
    }

    /** Every key's value of a value state, read through the store's query, by record key. */
    public static Map<String, String> values(FunctionDefinition function, EngineConfig config, Admin admin,
            String state) {
        Map<String, String> values = new HashMap<>();
        try (StateQuery query = StateStores.query(function, config, admin, java.time.Clock.systemUTC())) {
            String cursor = null;
            do {
                StateQuery.Page page = query.keys(cursor, StateQuery.MAX_PAGE);
                for (String key : page.keys()) {
                    value(query.read(key), state).ifPresent(value -> values.put(recordKey(key), value));
                }
                cursor = page.next();
            } while (cursor != null);
        }
        return values;
    }

    /** Deletes a test function's keys from the shared Redis or PostgreSQL (the Kafka store's go with the broker). */
    public static void clear(FunctionDefinition function, EngineConfig config, Admin admin) {
        if (!(function.stateStore() instanceof StateBackend.Kafka)) {
            try (StateQuery query = StateStores.query(function, config, admin, java.time.Clock.systemUTC())) {
                query.deleteAll();
            }
        }
    }

    private static Optional<String> value(Optional<KeyState> state, String name) {
        long now = System.currentTimeMillis();
        return state.map(s -> s.states().get(name)).map(entries -> entries.get(""))
                .filter(stored -> stored.expiresAtMillis() > now)
                .map(StateStore.Stored::value).map(bytes -> new String(bytes, StandardCharsets.UTF_8));
    }

    private static String recordKey(String storeKey) {
        return StateJson.displayKey(storeKey);
    }
}
