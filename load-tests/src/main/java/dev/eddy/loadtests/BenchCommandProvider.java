package dev.eddy.loadtests;

import dev.eddy.cli.spi.CliCommandProvider;

/** Adds {@code bench} to {@code ./eddy}. */
public final class BenchCommandProvider implements CliCommandProvider {

    @Override
    public Object command() {
        return new BenchCommand();
    }
}
