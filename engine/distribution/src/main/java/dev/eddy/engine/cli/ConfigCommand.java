package dev.eddy.engine.cli;

import dev.eddy.engine.ConfigDocs;
import dev.eddy.engine.EngineConfig;
import dev.eddy.observability.EddyMeter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the engine's configuration reference (and the metrics catalogue), generated from their definitions. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Prints every engine setting with its default and valid values, as Markdown.")
final class ConfigCommand implements Callable<Integer> {

    @Option(names = "--metrics", description = "Print the metrics catalogue instead.")
    private boolean metrics;

    @Override
    public Integer call() {
        if (metrics) {
            System.out.print(EddyMeter.markdown());
        } else {
            System.out.print(ConfigDocs.markdown(EngineConfig.definition()));
        }
        return 0;
    }
}
