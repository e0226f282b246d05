package dev.eddy.engine.demo;

import dev.eddy.cli.spi.DemoSourceProvider;
import dev.eddy.cli.spi.LocalEndpoints;
import dev.eddy.engine.FunctionBuilder;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.kafka.Topics;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trigger adapters of the demo: real sources (MQTT, a log file, a PostgreSQL table, a timer) feeding a function
 * that counts their events. The adapters are not the engine's: they join from the class path as a
 * {@link DemoSourceProvider}. Without one (the engine alone) the demo runs without sources.
 */
final class CountedSources implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CountedSources.class);
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
    private final Set<String> started;

    private CountedSources(List<AutoCloseable> running, Map<String, AtomicLong> counts, Set<String> started) {
        this.running = running;
        this.counts = counts;
        this.started = started;
    }

    /** Creates the sources' topics, deploys the counting function, and starts every source found. */
    static CountedSources start(LocalPlatform platform, PrintStream out) {
        Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
        List<DemoSourceProvider> providers;
        try {
            providers = ServiceLoader.load(DemoSourceProvider.class).stream().map(ServiceLoader.Provider::get)
                    .toList();
        } catch (java.util.ServiceConfigurationError e) {
            out.println("Sources skipped: " + e.getMessage());
            return new CountedSources(List.of(), counts, Set.of());
        }
        if (providers.isEmpty()) {
            return new CountedSources(List.of(), counts, Set.of());
        }
        try (Admin admin = platform.kafka().admin()) {
            for (String topic : TOPICS.values()) {
                Topics.create(admin, topic, 1);
                counts.put(topic, new AtomicLong());
            }
        }
        FunctionBuilder counter = FunctionDefinition.builder(COUNTER)
                .handler((event, context) -> event.origin().ifPresent(origin ->
                        counts.computeIfAbsent(origin.topic(), topic -> new AtomicLong()).incrementAndGet()));
        TOPICS.values().forEach(counter::input);
        platform.engine().deploy(counter.build());
        DemoSourceProvider.Demo demo = new DemoSourceProvider.Demo(new LocalEndpoints(platform.bootstrapServers(),
                platform.schemaRegistry().url()), platform.kafka().workDir(), TOPICS);
        List<AutoCloseable> running = new ArrayList<>();
        Set<String> started = new HashSet<>();
        for (DemoSourceProvider provider : providers) {
            try {
                DemoSourceProvider.RunningSources sources = provider.start(demo, out);
                running.add(sources);
                started.addAll(sources.started());
            } catch (RuntimeException | LinkageError e) {
                out.println("Sources skipped: " + provider.getClass().getName() + " could not start (" + e + ")");
                log.warn("The demo's sources could not start", e);
            }
        }
        return new CountedSources(running, counts, started);
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
