package dev.eddy.adapters;

import dev.eddy.adapters.http.HttpAdapter;
import dev.eddy.adapters.http.HttpSettings;
import dev.eddy.adapters.logs.LogAdapter;
import dev.eddy.adapters.mqtt.MqttAdapter;
import dev.eddy.adapters.mqtt.MqttSettings;
import dev.eddy.adapters.timer.TimerAdapter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** Every kind of trigger adapter, started from its configuration file's settings. */
public final class TriggerAdapters {

    /** The kinds of other modules on the class path (the cdc adapter), by name. */
    private static final Map<String, AdapterKind> MODULES = modules();
    /** The kinds of adapter there are: this module's, then those of other modules on the class path. */
    public static final List<String> KINDS = kinds();

    private static Map<String, AdapterKind> modules() {
        Map<String, AdapterKind> kinds = new LinkedHashMap<>();
        for (AdapterKind kind : ServiceLoader.load(AdapterKind.class)) {
            kinds.put(kind.name(), kind);
        }
        return kinds;
    }

    private static List<String> kinds() {
        List<String> kinds = new ArrayList<>(List.of("mqtt", "http", "logs", "timer"));
        kinds.addAll(MODULES.keySet());
        return List.copyOf(kinds);
    }

    private TriggerAdapters() {
    }

    /**
     * Starts an adapter of a kind from its configuration (a {@code kafka} section and the kind's own); closing it
     * stops it.
     *
     * @throws AdapterException for a bad setting or what cannot be reached, saying which
     */
    public static TriggerAdapter start(String kind, Settings file, MeterRegistry meters) {
        if (!KINDS.contains(kind)) {
            throw new AdapterException("There is no '" + kind + "' adapter; the adapters are " + KINDS);
        }
        Settings settings = file.only("kafka", kind);
        EventPublisher.Options options = EventPublisher.Options.read(kind, settings.section("kafka"));
        Settings own = settings.section(kind);
        return switch (kind) {
            case "mqtt" -> {
                MqttSettings mqtt = MqttSettings.read(own);
                EventPublisher publisher = new EventPublisher(options, meters);
                try {
                    yield MqttAdapter.start(mqtt, publisher);
                } catch (RuntimeException e) {
                    publisher.close();
                    throw e;
                }
            }
            case "http" -> HttpAdapter.start(HttpSettings.read(own), options, meters);
            case "logs" -> LogAdapter.start(own, options, meters);
            case "timer" -> TimerAdapter.start(TimerAdapter.TimerSettings.read(own), options, meters);
            default -> MODULES.get(kind).start(own, options, meters);
        };
    }
}
