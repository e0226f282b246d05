package dev.eddy.engine.demo;

import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.internal.ListedClasses;
import dev.eddy.engine.kafka.Topics;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trigger adapters of the demo: real sources (MQTT, a log file, a PostgreSQL table, a timer) feeding a function
 * that counts their events. The adapters are not the engine's: they join from the class path, as classes named in
 * {@code META-INF/eddy/demo-sources} that take the demo's settings ({@code bootstrapServers},
 * {@code schemaRegistryUrl}, {@code workDir}, and each source's topic) and a stream to say what they started and what
 * they skipped and why, and return what stops them. Without them (the engine alone) the demo runs without sources.
 */
final class DemoSources implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DemoSources.class);
    static final String COUNTER = "source-events";
    /** The topics the sources write to, by the name the demo shows. */
    static final Map<String, String> TOPICS = topics();

    private static Map<String, String> topics() {
        Map<String, String> topics = new LinkedHashMap<>();
        topics.put("MQTT", "demo.mqtt");
        topics.put("log file", "demo.logs");
        topics.put("PostgreSQL", "demo.cdc.public.eddy_demo_orders");
        topics.put("timer", "demo.timer");
        return java.util.Collections.unmodifiableMap(topics);
    }

    private final List<AutoCloseable> running;
    private final Map<String, AtomicLong> counts;
    /** The names of the sources that started (the others were skipped, and are not counted). */
    private final java.util.Set<String> started;

    private DemoSources(List<AutoCloseable> running, Map<String, AtomicLong> counts, java.util.Set<String> started) {
        this.running = running;
        this.counts = counts;
        this.started = started;
    }

    /** Creates the sources' topics, deploys the counting function, and starts every source found. */
    @SuppressWarnings("unchecked")
    static DemoSources start(LocalPlatform platform, PrintStream out) {
        List<Object> providers;
        Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
        try {
            providers = ListedClasses.instances("demo-sources");
        } catch (IllegalStateException e) {
            out.println("Sources skipped: " + e.getMessage());
            return new DemoSources(List.of(), counts, java.util.Set.of());
        }
        if (providers.isEmpty()) {
            return new DemoSources(List.of(), counts, java.util.Set.of());
        }
        try (Admin admin = platform.kafka().admin()) {
            for (String topic : TOPICS.values()) {
                Topics.create(admin, topic, 1);
                counts.put(topic, new AtomicLong());
            }
        }
        FunctionDefinition.Builder counter = FunctionDefinition.builder(COUNTER)
                .handler((event, context) -> event.origin().ifPresent(origin ->
                        counts.computeIfAbsent(origin.topic(), topic -> new AtomicLong()).incrementAndGet()));
        TOPICS.values().forEach(counter::input);
        platform.engine().deploy(counter.build());
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("bootstrapServers", platform.bootstrapServers());
        settings.put("schemaRegistryUrl", platform.schemaRegistry().url());
        settings.put("workDir", platform.kafka().workDir().toString());
        TOPICS.forEach((name, topic) -> settings.put("topic." + name, topic));
        List<AutoCloseable> running = new ArrayList<>();
        java.util.Set<String> started = new java.util.HashSet<>();
        for (Object provider : providers) {
            try {
                AutoCloseable sources = ((BiFunction<Map<String, String>, PrintStream, AutoCloseable>) provider)
                        .apply(Map.copyOf(settings), out);
                running.add(sources);
                // A provider says which of its sources started; one that does not say counts as all started.
                if (sources instanceof java.util.function.Supplier<?> names) {
                    ((java.util.Collection<?>) names.get()).forEach(name -> started.add(String.valueOf(name)));
                } else {
                    started.addAll(TOPICS.keySet());
                }
            } catch (RuntimeException | LinkageError e) {
                out.println("Sources skipped: " + provider + " could not start (" + e + ")");
                log.warn("The demo's sources could not start", e);
            }
        }
        return new DemoSources(running, counts, started);
    }

    /** Events each started source's topic has brought to the counting function, by the source's name. */
    Map<String, Long> counts() {
        Map<String, Long> byName = new LinkedHashMap<>();
        TOPICS.forEach((name, topic) -> {
            AtomicLong count = counts.get(topic);
            if (count != null && started.contains(name)) {
                byName.put(name, count.get());
            }
        });
        return byName;
    }

    @Override
    public void close() {
        for (AutoCloseable source : running) {
            try {
                source.close();
            } catch (Exception e) {
                log.warn("Stopping a demo source: {}", e.toString());
            }
        }
    }
}
