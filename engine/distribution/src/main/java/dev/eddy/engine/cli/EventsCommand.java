package dev.eddy.engine.cli;

import dev.eddy.engine.telemetry.ScalingEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./eddy events [function] [--follow]}: the scaling decisions of every engine, and why. */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = {"Prints the scaling events of every engine (the topic eddy.events): each change of a"
                + " function's desired workers with the figures it was decided on, each change of the workers an"
                + " engine runs, each scale to zero and each wake-up.", ""})
final class EventsCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FUNCTION", arity = "0..1", description = "Only this function's events.")
    String function;

    @Mixin
    KafkaOption kafka;

    @Option(names = {"-f", "--follow"}, description = "Keep printing events as they come, until Ctrl-C.")
    boolean follow;

    @Option(names = "--since", defaultValue = "1h", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "Events this long ago or later. Default: ${DEFAULT-VALUE}.")
    Duration since;

    @Option(names = "--json", description = "Print each event as the JSON the topic keeps.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        int printed = TopicLines.print(spec.commandLine().getOut(), kafka.config(), kafka.config().names().events(),
                function == null ? null : function.getBytes(StandardCharsets.UTF_8), since, follow, json,
                ScalingEvent::fromJson, event -> true, ScalingEvent::format);
        if (printed == 0 && !follow) {
            spec.commandLine().getErr().println("No scaling events" + (function == null ? "" : " of '" + function
                    + "'") + " in the last " + TopicLines.duration(since) + " (--since for longer).");
        }
        return 0;
    }
}
