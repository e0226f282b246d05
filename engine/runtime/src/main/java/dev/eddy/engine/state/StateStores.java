package dev.eddy.engine.state;

import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.StateBackend;
import dev.eddy.engine.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;

/** Opens the store a function's definition names. */
public final class StateStores {

    /** The most PostgreSQL connections one function holds on one engine. */
    static final int MAX_POSTGRES_CONNECTIONS = 32;
    /** The most Redis connections one function holds on one engine. */
    static final int MAX_REDIS_CONNECTIONS = 64;

    private StateStores() {
    }

    /**
     * Makes the store ready for a function about to run: for the Kafka store, its changelog topic (compacted, as
     * many partitions as the input); for the others, a first connection.
     *
     * @throws dev.eddy.engine.EddyException saying what is missing or unreachable
     */
    public static void prepare(FunctionDefinition function, Admin admin) {
        if (function.state().isEmpty()) {
            return;
        }
        if (function.stateStore() instanceof StateBackend.Kafka) {
            String input = function.inputs().get(0);
            Topics.createCompacted(admin, function.changelogTopic(),
                    Topics.partitions(admin, input));
        }
    }

    /**
     * The store a running function uses, or null when it declares no state.
     *
     * @param producer the function's producer, on which the Kafka store writes its changelog
     */
    public static KeyedStore open(FunctionDefinition function, EngineConfig config,
            Producer<byte[], byte[]> producer, StateMetrics metrics) {
        if (function.state().isEmpty()) {
            return null;
        }
        return switch (function.stateStore()) {
            case StateBackend.Kafka kafka -> new KafkaKeyedStore(function.name(),
                    function.changelogTopic(), function.inputs().get(0), producer, config,
                    metrics);
            case StateBackend.Redis redis -> new RedisKeyedStore(function.name(), redis.url(),
                    Math.min(MAX_REDIS_CONNECTIONS, function.maxConcurrency()), metrics).check();
            case StateBackend.Postgres postgres -> new PostgresKeyedStore(function.name(), postgres.url(),
                    Math.min(MAX_POSTGRES_CONNECTIONS, function.maxConcurrency()), metrics);
        };
    }

    /**
     * The store of a function whose state is kept outside Kafka (Redis, PostgreSQL), for all its workers on one
     * engine: opened at the first worker's start, so that a function at zero holds no connections, and closed
     * when the function stops for good. One pool for the function, however many workers it runs.
     */
    public static final class Shared implements AutoCloseable {
        private final FunctionDefinition function;
        private final EngineConfig config;
        private final StateMetrics metrics;
        private KeyedStore store;

        private Shared(FunctionDefinition function, EngineConfig config, StateMetrics metrics) {
            this.function = function;
            this.config = config;
            this.metrics = metrics;
        }

        /** The shared store of a function, or null when it keeps its state in Kafka (one store a worker) or has none. */
        public static Shared of(FunctionDefinition function, EngineConfig config, StateMetrics metrics) {
            boolean external = !function.state().isEmpty() && !(function.stateStore() instanceof StateBackend.Kafka);
            return external ? new Shared(function, config, metrics) : null;
        }

        /** The store, opened now if it is not open. */
        public synchronized KeyedStore get() {
            if (store == null) {
                store = open(function, config, null, metrics);
            }
            return store;
        }

        @Override
        public synchronized void close() {
            if (store != null) {
                store.close();
                store = null;
            }
        }
    }

    /**
     * Reads a function's state from outside it; the caller closes it.
     *
     * @param clock what "now" is when an entry's time to live is judged (Kafka store; the others judge it themselves)
     */
    public static StateQuery query(FunctionDefinition function, EngineConfig config, Admin admin,
            java.time.Clock clock) {
        return switch (function.stateStore()) {
            case StateBackend.Kafka kafka -> {
                String changelog = function.changelogTopic();
                yield new KafkaStateQuery(config, changelog, Topics.partitions(admin, changelog), clock);
            }
            case StateBackend.Redis redis -> new RedisKeyedStore(function.name(), redis.url(), 1, StateMetrics.none());
            case StateBackend.Postgres postgres -> new PostgresKeyedStore(function.name(), postgres.url(), 1,
                    StateMetrics.none());
        };
    }
}
