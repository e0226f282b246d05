package dev.eddy.adapters.cli;

import dev.eddy.cli.spi.CliCommandProvider;

/** Adds {@code ./eddy trigger <kind>} to the command line. */
public final class TriggerCommandProvider implements CliCommandProvider {

    @Override
    public Object command() {
        return new TriggerCommand();
    }
}
