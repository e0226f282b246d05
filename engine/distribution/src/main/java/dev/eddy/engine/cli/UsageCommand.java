package dev.eddy.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eddy.engine.kafka.TopicReader;
import dev.eddy.engine.telemetry.UsageRecord;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./eddy usage}: what each function used — calls, billed duration, GB-seconds — from every engine. */
@Command(name = "usage", mixinStandardHelpOptions = true,
        description = {"Adds up what functions used, per function and version, from the usage every engine writes"
                + " to the topic eddy.usage: calls (a batch is one; each attempt counts), billed duration (each"
                + " call rounded up to the millisecond) and GB-seconds (memory class × billed duration).",
            "Engines write their usage every usage.interval.ms (a minute unless set) and when a function stops.",
            ""})
final class UsageCommand implements Callable<Integer> {

    @Mixin
    KafkaOption kafka;

    @Option(names = "--since", defaultValue = "24h", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "Usage reported this long ago or later. Default: ${DEFAULT-VALUE}.")
    Duration since;

    @Option(names = "--function", paramLabel = "<name>", description = "Only this function.")
    String function;

    @Option(names = "--json", description = "Print the sums as JSON.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The sums of one function's version. */
    private static final class Sum {
        long invocations;
        long billedMs;
        int memoryMb;
        double gbSeconds;
    }

    @Override
    public Integer call() {
        Map<String, Sum> sums = new TreeMap<>();
        byte[] key = function == null ? null : function.getBytes(StandardCharsets.UTF_8);
        TopicReader.read(kafka.config(), kafka.config().names().usage(), key, Instant.now().minus(since), false,
                () -> true, record -> {
                    if (record.value() == null) {
                        return;
                    }
                    UsageRecord usage;
                    try {
                        usage = UsageRecord.fromJson(record.value());
                    } catch (IllegalArgumentException e) {
                        return; // not written by an engine
                    }
                    if (function != null && !function.equals(usage.function())) {
                        return;
                    }
                    Sum sum = sums.computeIfAbsent(usage.function() + "\t" + usage.version(), k -> new Sum());
                    sum.invocations += usage.invocations();
                    sum.billedMs += usage.billedMs();
                    sum.memoryMb = usage.memoryMb();
                    sum.gbSeconds += usage.gbSeconds();
                });
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ArrayNode rows = mapper.createArrayNode();
            sums.forEach((name, sum) -> {
                ObjectNode row = rows.addObject();
                row.put("function", name.split("\t")[0]);
                row.put("version", name.split("\t")[1]);
                row.put("invocations", sum.invocations);
                row.put("billed_ms", sum.billedMs);
                row.put("memory_mb", sum.memoryMb);
                row.put("gb_seconds", sum.gbSeconds);
            });
            out.println(rows);
        } else {
            out.printf(Locale.ROOT, "%-30s %-10s %12s %14s %8s %14s%n", "FUNCTION", "VERSION", "INVOCATIONS",
                    "BILLED (s)", "MEMORY", "GB-SECONDS");
            long invocations = 0;
            long billed = 0;
            double gbSeconds = 0;
            for (Map.Entry<String, Sum> row : sums.entrySet()) {
                Sum sum = row.getValue();
                String[] name = row.getKey().split("\t");
                out.printf(Locale.ROOT, "%-30s %-10s %,12d %,14.3f %5d MB %,14.4f%n", name[0], name[1],
                        sum.invocations, sum.billedMs / 1000.0, sum.memoryMb, sum.gbSeconds);
                invocations += sum.invocations;
                billed += sum.billedMs;
                gbSeconds += sum.gbSeconds;
            }
            out.printf(Locale.ROOT, "%-30s %-10s %,12d %,14.3f %8s %,14.4f%n", "TOTAL", "", invocations,
                    billed / 1000.0, "", gbSeconds);
        }
        out.flush();
        return 0;
    }
}
