package dev.eddy.adapters;

import dev.eddy.adapters.cdc.CdcAdapter;
import dev.eddy.adapters.http.HttpAdapter;
import dev.eddy.adapters.http.HttpSettings;
import dev.eddy.adapters.logs.LogAdapter;
import dev.eddy.adapters.mqtt.MqttAdapter;
import dev.eddy.adapters.mqtt.MqttSettings;
import dev.eddy.adapters.timer.TimerAdapter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/** Every kind of trigger adapter, started from its configuration file's settings. */
public final class TriggerAdapters {

    /** The kinds of adapter there are. */
    public static final List<String> KINDS = List.of("mqtt", "http", "logs", "cdc", "timer");

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
            case "cdc" -> CdcAdapter.start(own, options, meters);
            case "timer" -> TimerAdapter.start(TimerAdapter.TimerSettings.read(own), options, meters);
            default -> throw new AdapterException("There is no '" + kind + "' adapter; the adapters are " + KINDS);
        };
    }
}
