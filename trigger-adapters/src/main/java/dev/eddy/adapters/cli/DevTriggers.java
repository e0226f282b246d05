package dev.eddy.adapters.cli;

import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.Settings;
import dev.eddy.adapters.TriggerAdapters;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The adapters {@code ./eddy dev --trigger <kind>=<file>} runs inside the local platform (found by the engine
 * through {@code META-INF/eddy/dev-triggers}). A configuration without a {@code kafka} section gets the platform's
 * broker and schema registry.
 */
public final class DevTriggers implements BiFunction<Map<String, Object>, PrintStream, AutoCloseable> {

    /**
     * @param platform {@code bootstrapServers}, {@code schemaRegistryUrl}, {@code triggers}: {@code kind=file}
     *                 pairs separated by newlines, and {@code meterRegistry}: where the adapters' meters go
     * @throws AdapterException when one cannot start; those started before are stopped
     */
    @Override
    public AutoCloseable apply(Map<String, Object> platform, PrintStream out) {
        MeterRegistry meters = (MeterRegistry) platform.get("meterRegistry");
        List<AutoCloseable> started = new ArrayList<>();
        AutoCloseable all = () -> {
            for (int i = started.size() - 1; i >= 0; i--) {
                started.get(i).close();
            }
        };
        try {
            for (String trigger : ((String) platform.getOrDefault("triggers", "")).split("\n")) {
                if (trigger.isBlank()) {
                    continue;
                }
                int equals = trigger.indexOf('=');
                if (equals < 1) {
                    throw new AdapterException("--trigger is '" + trigger + "': give <kind>=<file>, the kind one of "
                            + TriggerAdapters.KINDS);
                }
                String kind = trigger.substring(0, equals);
                Path file = Path.of(trigger.substring(equals + 1));
                started.add(TriggerAdapters.start(kind, withPlatform(file, platform), meters));
                out.println("  trigger " + kind + " from " + file + " is running");
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
    private static Settings withPlatform(Path file, Map<String, Object> platform) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new AdapterException("Cannot read the configuration file " + file + ": " + e.getMessage(), e);
        }
        Settings settings = Settings.parse(text, System::getenv);
        if (settings.has("kafka")) {
            return settings;
        }
        return Settings.parse("kafka:\n  bootstrapServers: " + platform.get("bootstrapServers")
                + "\n  schemaRegistry: " + platform.get("schemaRegistryUrl") + "\n" + text, System::getenv);
    }
}
