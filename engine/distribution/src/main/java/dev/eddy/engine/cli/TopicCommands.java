package dev.eddy.engine.cli;

import dev.eddy.engine.kafka.ClientConfigs;
import dev.eddy.engine.kafka.Sends;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./eddy produce} and {@code ./eddy consume}: text records in and out of a topic, for trying functions. */
final class TopicCommands {

    private TopicCommands() {
    }

    @Command(name = "produce", mixinStandardHelpOptions = true,
            description = {"Writes text records to a topic.",
                "The VALUEs given, else one per line of standard input. With --key-separator, the text",
                "before the first separator is the record's key."})
    static final class Produce implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic.")
        String topic;

        @Parameters(index = "1..*", paramLabel = "VALUE", description = "Records to write.")
        List<String> values = new ArrayList<>();

        @Mixin
        KafkaOption kafka;

        @Option(names = "--key-separator", paramLabel = "<text>", description = "Splits each record into key and value.")
        String keySeparator;

        @Override
        public Integer call() throws Exception {
            List<String> lines = values;
            if (lines.isEmpty()) {
                lines = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).lines().toList();
            }
            TopicsCommand.requireExisting(kafka, topic);
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ClientConfigs.producer(
                    kafka.config(), "eddy-produce"))) {
                for (String line : lines) {
                    int at = keySeparator == null ? -1 : line.indexOf(keySeparator);
                    byte[] key = at < 0 ? null : line.substring(0, at).getBytes(StandardCharsets.UTF_8);
                    String value = at < 0 ? line : line.substring(at + keySeparator.length());
                    sends.add(producer.send(new ProducerRecord<>(topic, key, value.getBytes(StandardCharsets.UTF_8))));
                }
                Sends.awaitAll(sends, Duration.ofSeconds(30), "writing to '" + topic + "'");
            }
            System.err.printf("Wrote %d records to %s.%n", sends.size(), topic);
            return 0;
        }
    }

    @Command(name = "consume", mixinStandardHelpOptions = true,
            description = {"Prints a topic's records from its beginning.",
                "One record per line, as key<TAB>value, until --max records or none came for --idle."})
    static final class Consume implements Callable<Integer> {
        @Parameters(paramLabel = "TOPIC", description = "The topic.")
        String topic;

        @Mixin
        KafkaOption kafka;

        @Option(names = "--max", defaultValue = "2147483647", paramLabel = "<n>", description = "Stop after n records.")
        int max;

        @Option(names = "--idle", defaultValue = "5s", converter = DurationConverter.class, paramLabel = "<duration>",
                description = "Stop when no record came for this long. Default: ${DEFAULT-VALUE}.")
        Duration idle;

        @Override
        public Integer call() {
            Map<String, Object> props = ClientConfigs.reader(kafka.config(),
                    "eddy-consume");
            TopicsCommand.requireExisting(kafka, topic);
            int printed = 0;
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(info -> new TopicPartition(topic, info.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                long quietSince = System.nanoTime();
                while (printed < max && System.nanoTime() - quietSince < idle.toNanos()) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        quietSince = System.nanoTime();
                        System.out.println(text(record.key()) + "\t" + text(record.value()));
                        if (++printed >= max) {
                            break;
                        }
                    }
                }
            }
            return 0;
        }

        private static String text(byte[] bytes) {
            return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
