package dev.eddy.cli.spi;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintStream;
import java.util.List;

/** Starts the trigger adapters {@code ./eddy dev --trigger <kind>=<file>} asks for, inside the local platform. */
public interface DevTriggerProvider {

    /**
     * Starts every trigger, or none: when one cannot start, those started before are stopped and the exception says
     * which one failed and why.
     *
     * @param platform where a configuration without a {@code kafka} section publishes
     * @param meters   where the adapters' meters go (the platform's, so that its metrics endpoint shows them)
     * @param out      where to say what started
     * @return what stops them all
     */
    AutoCloseable start(List<DevTrigger> triggers, LocalEndpoints platform, MeterRegistry meters, PrintStream out);
}
