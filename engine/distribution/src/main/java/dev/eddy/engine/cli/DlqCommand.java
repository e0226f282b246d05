package dev.eddy.engine.cli;

import dev.eddy.engine.DeadLetterHeaders;
import dev.eddy.engine.dlq.DeadLetter;
import dev.eddy.engine.dlq.DeadLetterTopic;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./eddy dlq}: look at a function's dead letters and send them back through it. */
@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = {"Lists, shows and replays a function's dead letters.", ""},
        subcommands = {DlqCommand.ListLetters.class, DlqCommand.Show.class, DlqCommand.Replay.class})
final class DlqCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The options every dlq subcommand takes. */
    static final class Target {
        @Parameters(index = "0", paramLabel = "<function>", description = "The function's name.")
        String function;

        @Mixin
        KafkaOption kafka;

        @Option(names = "--topic", paramLabel = "<topic>",
                description = "The dead-letter topic, if not the default <names prefix>.dlq.<function>.")
        String topic;

        DeadLetterTopic open() {
            return new DeadLetterTopic(kafka.config(),
                    topic != null ? topic : kafka.config().names().deadLetters(function));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists the newest dead letters: id, time, reason, attempts, source and the error.")
    static final class ListLetters implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--limit", defaultValue = "50", paramLabel = "<n>", description = "At most this many. Default: ${DEFAULT-VALUE}.")
        int limit;

        @Option(names = "--reason", paramLabel = "<reason>",
                description = "Only these: HANDLER_FAILED, TIMED_OUT, UNDECODABLE, OUTPUT_REFUSED or LATE.")
        String reason;

        @Override
        public Integer call() {
            DeadLetterTopic topic = target.open();
            List<DeadLetter> letters = topic.read(Math.max(1, limit), byReason(reason));
            if (letters.isEmpty()) {
                System.out.println("No dead letters in " + topic.topic() + (reason == null ? "" : " for " + reason) + ".");
                return 0;
            }
            System.out.printf(Locale.ROOT, "%-10s %-24s %-15s %-8s %-30s %s%n", "id", "time", "reason", "attempts",
                    "source", "error");
            for (DeadLetter letter : letters) {
                System.out.printf(Locale.ROOT, "%-10s %-24s %-15s %-8s %-30s %s%n", letter.id(),
                        Instant.ofEpochMilli(Math.max(0, letter.timestamp())), letter.reason(),
                        letter.header(DeadLetterHeaders.ATTEMPTS), letter.source(),
                        text(letter.header(DeadLetterHeaders.EXCEPTION_CLASS).replaceAll(".*\\.", "") + ": "
                                + letter.header(DeadLetterHeaders.EXCEPTION_MESSAGE), 80));
            }
            System.out.println(letters.size() + " dead letter(s) in " + topic.topic()
                    + ". './eddy dlq show " + target.function + " <id>' shows one whole.");
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Shows one dead letter whole: key, value, its own headers and Eddy's.")
    static final class Show implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "1", paramLabel = "<id>", description = "The id from 'dlq list': <partition>:<offset>.")
        String id;

        @Override
        public Integer call() {
            DeadLetter letter = target.open().find(List.of(id)).get(0);
            System.out.println("id         " + letter.id());
            System.out.println("time       " + Instant.ofEpochMilli(Math.max(0, letter.timestamp())));
            System.out.println("key        " + DeadLetterTopic.printable(letter.key(), 2000));
            System.out.println("value      " + DeadLetterTopic.printable(letter.value(), 10_000));
            letter.originalHeaders().forEach(header -> System.out.println("header     " + text(header.key(), 200)
                    + " = " + DeadLetterTopic.printable(header.value(), 2000)));
            for (Map.Entry<String, String> header : letter.eddyHeaders().entrySet()) {
                System.out.println(header.getKey() + " = " + text(header.getValue(), 4000));
            }
            return 0;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = {"Sends dead letters back through the function.",
                "The records go, as they were, to the function's replay topic (eddy.replay.<function>), which that"
                + " function alone reads. The dead letters stay where they are."})
    static final class Replay implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "1..*", paramLabel = "<id>", description = "Ids from 'dlq list'.")
        List<String> ids = new ArrayList<>();

        @Option(names = "--all", description = "Every dead letter (with --reason, every one of that reason).")
        boolean all;

        @Option(names = "--reason", paramLabel = "<reason>", description = "With --all: only these.")
        String reason;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (all == !ids.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "Name the dead letters to replay by id, or give --all (not both)");
            }
            DeadLetterTopic topic = target.open();
            List<DeadLetter> letters = all ? topic.read(Integer.MAX_VALUE, byReason(reason)) : topic.find(ids);
            String replayTopic = target.kafka.config().names().replay(target.function);
            int sent = topic.replay(letters, replayTopic);
            System.out.println("Replayed " + sent + " dead letter(s) through '" + target.function + "' (via "
                    + replayTopic + ").");
            return 0;
        }
    }

    private static Predicate<DeadLetter> byReason(String reason) {
        return reason == null ? letter -> true : letter -> letter.reason().equalsIgnoreCase(reason);
    }

    private static String text(String value, int max) {
        return DeadLetterTopic.printable(value.getBytes(StandardCharsets.UTF_8), max);
    }
}
