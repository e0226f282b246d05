package dev.eddy.engine.cli;

import dev.eddy.engine.telemetry.LogLine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./eddy logs <function> [--follow]}: one function's log lines, from every engine that runs it. */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = {"Prints what a function logged, from every engine that runs it (the topic eddy.logs): time,"
                + " level, version, the record of the call and its trace id, the message and any exception.", ""})
final class LogsCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FUNCTION", description = "The function.")
    String function;

    @Mixin
    KafkaOption kafka;

    @Option(names = {"-f", "--follow"}, description = "Keep printing lines as they come, until Ctrl-C.")
    boolean follow;

    @Option(names = "--since", defaultValue = "1h", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "Lines logged this long ago or later. Default: ${DEFAULT-VALUE}.")
    Duration since;

    @Option(names = "--trace", paramLabel = "<trace id>", description = "Only the lines of this trace.")
    String trace;

    @Option(names = "--json", description = "Print each line as the JSON the topic keeps.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        int printed = TopicLines.print(spec.commandLine().getOut(), kafka.config(), kafka.config().names().logs(),
                function.getBytes(StandardCharsets.UTF_8), since, follow, json, LogLine::fromJson,
                line -> trace == null || trace.equals(line.traceId()), LogLine::format);
        if (printed == 0 && !follow) {
            spec.commandLine().getErr().println("No lines of '" + function + "' in the last "
                    + TopicLines.duration(since) + " (--since for longer).");
        }
        return 0;
    }
}
