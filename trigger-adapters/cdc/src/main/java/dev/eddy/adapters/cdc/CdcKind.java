package dev.eddy.adapters.cdc;

import dev.eddy.adapters.AdapterKind;
import dev.eddy.adapters.EventPublisher;
import dev.eddy.adapters.Settings;
import dev.eddy.adapters.TriggerAdapter;
import io.micrometer.core.instrument.MeterRegistry;

/** The {@code cdc} kind of trigger adapter: {@code ./eddy trigger cdc}, {@code --trigger cdc=<file>}, the demo. */
public final class CdcKind implements AdapterKind {

    @Override
    public String name() {
        return "cdc";
    }

    @Override
    public TriggerAdapter start(Settings settings, EventPublisher.Options options, MeterRegistry meters) {
        return CdcAdapter.start(settings, options, meters);
    }
}
