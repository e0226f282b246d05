package dev.eddy.adapters;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * A kind of trigger adapter that lives in a module of its own (the {@code cdc} adapter, with Debezium), found with
 * {@link java.util.ServiceLoader}: list the implementation in {@code META-INF/services/dev.eddy.adapters.AdapterKind}.
 */
public interface AdapterKind {

    /** The kind's name: the command ({@code ./eddy trigger <name>}) and the configuration section. */
    String name();

    /**
     * Starts an adapter of this kind.
     *
     * @param settings its own section of the configuration file
     * @param options  where and how it publishes (the {@code kafka} section)
     * @throws AdapterException for a bad setting or what cannot be reached, saying which
     */
    TriggerAdapter start(Settings settings, EventPublisher.Options options, MeterRegistry meters);
}
