package dev.eddy.loadtests;

import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.StateBackend;
import dev.eddy.engine.state.StateQuery;
import dev.eddy.engine.state.StateStores;
import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import dev.eddy.sdk.StateSpec;
import dev.eddy.sdk.ValueState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code stateful-counter}: a function that counts each key's events in keyed state (state += 1), against the
 * stateless handler that emits each record — both write one record per input. The state is in Kafka (a changelog
 * record per event, a copy in memory) on the scenario's records; then in Redis and in PostgreSQL, each on a fifth of
 * them and beside its own stateless runs on those records, every side over the same warm-up and measured runs.
 *
 * <p>The system property {@value #STORES_PROPERTY} (a comma-separated list of {@code redis}, {@code postgres})
 * chooses the external stores; {@code none} measures the Kafka store alone.
 */
final class StatefulCounter extends Scenario {

    /** Where the Redis and PostgreSQL runs go: the system properties, else the usual local ports. */
    static final String REDIS_PROPERTY = "eddy.bench.redis";
    static final String POSTGRES_PROPERTY = "eddy.bench.postgres";
    static final String STORES_PROPERTY = "eddy.bench.stores";

    StatefulCounter() {
        super("stateful-counter",
                "counting function, state in Kafka, vs the stateless pass-through function; Redis and PostgreSQL"
                        + " alongside, each beside its own stateless runs",
                0.7,
                false,
                1000,
                1_000_000);
    }

    @Override
    public ScenarioResult run(BenchContext context) throws Exception {
        int records = context.records();
        String input = context.fill("bench-count-in", DispatchNoop.PARTITIONS, records, DispatchNoop.VALUE_BYTES,
                DispatchNoop.KEYS);
        Sides kafka = measure(context, input, StateBackend.kafka(), records, 0);
        Map<String, Object> eddy = new LinkedHashMap<>(kafka.counter().figures());
        int sample = Math.max(1000, records / 5);
        String sampled = null;
        List<StateBackend> stores = externalStores();
        for (int i = 0; i < stores.size(); i++) {
            StateBackend store = stores.get(i);
            if (sampled == null) {
                sampled = context.fill("bench-count-sample", DispatchNoop.PARTITIONS, sample,
                        DispatchNoop.VALUE_BYTES, DispatchNoop.KEYS);
            }
            eddy.put(store.kind() + "_store", external(context, sampled, store, sample, 100 * (i + 1)));
        }
        return new ScenarioResult(eddy, kafka.stateless().figures(),
                kafka.counter().median() / kafka.stateless().median(),
                Map.of("partitions", DispatchNoop.PARTITIONS, "value_bytes", DispatchNoop.VALUE_BYTES,
                        "keys", DispatchNoop.KEYS, "external_store_records", sample));
    }

    /** The external stores to measure, as {@value #STORES_PROPERTY} says (both unless told). */
    private static List<StateBackend> externalStores() {
        List<StateBackend> stores = new java.util.ArrayList<>();
        for (String name : System.getProperty(STORES_PROPERTY, "redis,postgres").split(",")) {
            switch (name.trim()) {
                case "redis" -> stores.add(StateBackend.redis(
                        System.getProperty(REDIS_PROPERTY, "redis://127.0.0.1:6379")));
                case "postgres" -> stores.add(StateBackend.postgres(System.getProperty(POSTGRES_PROPERTY,
                        "jdbc:postgresql://127.0.0.1:5432/test?user=postgres")));
                case "none", "" -> {
                }
                default -> throw new IllegalArgumentException("-D" + STORES_PROPERTY + " names '" + name
                        + "'; it takes redis, postgres (comma-separated) or none");
            }
        }
        return stores;
    }

    /**
     * The counting function with an external store, beside the stateless one on the same records (its figures,
     * the stateless side's and their ratio), or why it could not run.
     */
    private static Object external(BenchContext context, String input, StateBackend store, int records, int runs) {
        Sides sides;
        try {
            sides = measure(context, input, store, records, runs);
        } catch (RuntimeException e) {
            context.progress("    %s skipped: %s", store.kind(), e.getMessage());
            return "skipped: " + e.getMessage();
        }
        Map<String, Object> figures = new LinkedHashMap<>(sides.counter().figures());
        figures.put("stateless", sides.stateless().figures());
        figures.put("ratio", Math.round(sides.counter().median() / sides.stateless().median() * 1000) / 1000.0);
        return figures;
    }

    /** The counting function with a store, and the stateless one beside it. */
    private record Sides(Throughput counter, Throughput stateless) {
    }

    /**
     * Runs the counting function with the store and the stateless function over the same records, in turn.
     *
     * @param runs added to the run numbers, so that each store's stateless runs have consumer groups of their own
     */
    private static Sides measure(BenchContext context, String input, StateBackend store, int records, int runs) {
        Sides sides = new Sides(new Throughput("Eddy: counting function, state in " + store.kind()),
                new Throughput("Eddy: stateless function emitting each record"));
        Runs.alternate(context, records,
                sides.stateless(), run -> Passthrough.eddyPassthrough(context, input,
                        context.newTopic("bench-count-" + store.kind() + "-out", DispatchNoop.PARTITIONS),
                        records, runs + run),
                sides.counter(), run -> count(context, input, store, records, runs + run));
        return sides;
    }

    /** Nanoseconds from the first handler call to the last record counted. */
    private static long count(BenchContext context, String input, StateBackend store, int records, int run) {
        Counter handler = new Counter();
        FunctionDefinition function = context.function("bench-count-" + store.kind() + "-" + input + "-" + run, null)
                .input(input).stateStore(store).handler(handler).build();
        try (Engine engine = new Engine(context.engineConfig(), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            long end = BenchContext.awaitCount(() -> running.stats().succeeded(), records, "counted records");
            return end - handler.first.get();
        } finally {
            if (!(store instanceof StateBackend.Kafka)) {
                try (StateQuery state = StateStores.query(function, context.engineConfig(), null,
                        java.time.Clock.systemUTC())) {
                    state.deleteAll(); // the benchmark's keys do not stay in the shared server
                }
            }
        }
    }

    /** state += 1 per event. */
    static final class Counter implements Handler {
        static final ValueState<Long> COUNT = ValueState.named("count", Codec.json(Long.class));
        final AtomicLong first = new AtomicLong();

        @Override
        public List<StateSpec> state() {
            return List.of(COUNT);
        }

        @Override
        public void handle(Event event, Context context) {
            if (first.get() == 0) {
                first.compareAndSet(0, System.nanoTime());
            }
            context.state().set(COUNT, context.state().get(COUNT).orElse(0L) + 1);
        }
    }
}
