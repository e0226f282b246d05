package dev.eddy.engine.cli;

import dev.eddy.engine.telemetry.EventLog;
import dev.eddy.engine.telemetry.ScalingEvent;
import dev.eddy.engine.telemetry.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
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
        java.io.PrintWriter out = spec.commandLine().getOut();
        byte[] key = function == null ? null : function.getBytes(StandardCharsets.UTF_8);
        int[] printed = {0};
        TopicReader.read(kafka.bootstrapServers, EventLog.TOPIC, key, Instant.now().minus(since), follow,
                () -> !Thread.currentThread().isInterrupted(), record -> {
                    if (key != null && !Arrays.equals(key, record.key()) || record.value() == null) {
                        return;
                    }
                    ScalingEvent event;
                    try {
                        event = ScalingEvent.fromJson(record.value());
                    } catch (IllegalArgumentException e) {
                        return; // not written by an engine
                    }
                    out.println(json ? new String(record.value(), StandardCharsets.UTF_8) : event.format());
                    out.flush();
                    printed[0]++;
                });
        if (printed[0] == 0 && !follow) {
            spec.commandLine().getErr().println("No scaling events" + (function == null ? "" : " of '" + function
                    + "'") + " in the last " + since.toString().substring(2).toLowerCase() + " (--since for longer).");
        }
        return 0;
    }
}
