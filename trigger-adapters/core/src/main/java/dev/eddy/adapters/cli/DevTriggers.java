package dev.eddy.adapters.cli;

import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.Settings;
import dev.eddy.adapters.TriggerAdapters;
import dev.eddy.cli.spi.DevTrigger;
import dev.eddy.cli.spi.DevTriggerProvider;
import dev.eddy.cli.spi.LocalEndpoints;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The adapters {@code ./eddy dev --trigger <kind>=<file>} runs inside the local platform. A configuration without a
 * {@code kafka} section gets the platform's broker and schema registry.
 */
public final class DevTriggers implements DevTriggerProvider {

    /** @throws AdapterException when one cannot start; those started before are stopped */
    @Override
    public AutoCloseable start(List<DevTrigger> triggers, LocalEndpoints platform, MeterRegistry meters,
            PrintStream out) {
        List<AutoCloseable> started = new ArrayList<>();
        AutoCloseable all = () -> {
            for (int i = started.size() - 1; i >= 0; i--) {
                started.get(i).close();
            }
        };
        try {
            for (DevTrigger trigger : triggers) {
                started.add(TriggerAdapters.start(trigger.kind(), withPlatform(trigger, platform), meters));
                out.println("  trigger " + trigger.kind() + " from " + trigger.configuration() + " is running");
            }
        } catch (RuntimeException e) {
            try {
                all.close();
            } catch (Exception stop) {
                e.addSuppressed(stop);
            }
            throw e;
        }
        return all;
    }

    /** The file's settings, with the platform's broker and registry when it names none. */
    private static Settings withPlatform(DevTrigger trigger, LocalEndpoints platform) {
        Settings settings = Settings.read(trigger.configuration());
        if (settings.has("kafka")) {
            return settings;
        }
        return settings.with("kafka", Map.of("bootstrapServers", platform.bootstrapServers(),
                "schemaRegistry", platform.schemaRegistryUrl()));
    }
}
