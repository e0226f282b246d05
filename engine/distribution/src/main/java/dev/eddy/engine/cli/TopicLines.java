package dev.eddy.engine.cli;

import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.kafka.TopicReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Prints the records of one of the engines' own topics (log lines, scaling events) a line each, as the commands that
 * read them do: those of one key (or all), from a moment on, then as they come when following; a record that is not
 * one of the topic's own (its JSON does not parse) is passed over.
 */
final class TopicLines {

    private TopicLines() {
    }

    /**
     * @param key    only records of this key (null: all)
     * @param json   print each record's JSON as kept, rather than {@code format}
     * @param parse  reads a record's value; throws {@link IllegalArgumentException} when it is not such a record
     * @param keep   which records to print
     * @return how many were printed
     */
    static <T> int print(PrintWriter out, EngineConfig config, String topic, byte[] key, Duration since,
            boolean follow, boolean json, Function<byte[], T> parse, Predicate<T> keep, Function<T, String> format) {
        int[] printed = {0};
        TopicReader.read(config, topic, key, Instant.now().minus(since), follow,
                () -> !Thread.currentThread().isInterrupted(), record -> {
                    if (key != null && !Arrays.equals(key, record.key()) || record.value() == null) {
                        return;
                    }
                    T item;
                    try {
                        item = parse.apply(record.value());
                    } catch (IllegalArgumentException e) {
                        return; // not written by an engine
                    }
                    if (keep.test(item)) {
                        out.println(json ? new String(record.value(), StandardCharsets.UTF_8) : format.apply(item));
                        out.flush();
                        printed[0]++;
                    }
                });
        return printed[0];
    }

    /** A duration as the commands say it: "1h", "10m". */
    static String duration(Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
