package dev.eddy.engine.cli;

import dev.eddy.engine.EddyException;
import dev.eddy.engine.kafka.ClientConfigs;
import dev.eddy.engine.kafka.Topics;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./eddy topics create|list|describe|delete}: the topics functions and adapters read and write. */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = {"Creates, lists, describes and deletes Kafka topics.", ""},
        subcommands = {TopicsCommand.Create.class, TopicsCommand.ListTopics.class, TopicsCommand.Describe.class,
            TopicsCommand.Delete.class})
final class TopicsCommand implements Runnable {

    private static final long TIMEOUT_SECONDS = 30;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A topics subcommand: the cluster's options, and an admin client for the call. */
    abstract static class AdminCall implements Callable<Integer> {
        @Mixin
        KafkaOption kafka;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public final Integer call() {
            try (Admin admin = admin(kafka)) {
                run(admin, spec.commandLine().getOut());
            }
            return 0;
        }

        abstract void run(Admin admin, PrintWriter out);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Creates topics and waits until every partition takes writes.",
                "A topic that exists with at least the partitions asked for is left as it is.", ""})
    static final class Create extends AdminCall {
        @Parameters(arity = "1..*", paramLabel = "TOPIC", description = "The topics to create.")
        List<String> topics;

        @Option(names = {"-p", "--partitions"}, defaultValue = "1", paramLabel = "<n>",
                description = "Partitions of each topic: a function's concurrency across engines is at most its"
                        + " input's partitions. Default: ${DEFAULT-VALUE}.")
        int partitions;

        @Option(names = {"-r", "--replication-factor"}, paramLabel = "<n>",
                description = "Replicas of each partition. Default: the cluster's default.replication.factor.")
        Short replicationFactor;

        @Option(names = {"-c", "--config"}, paramLabel = "<name>=<value>",
                description = "A topic setting, such as retention.ms=86400000 or cleanup.policy=compact."
                        + " Repeatable.")
        Map<String, String> configs = new LinkedHashMap<>();

        @Override
        void run(Admin admin, PrintWriter out) {
            if (partitions < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--partitions must be 1 or more, was " + partitions);
            }
            if (replicationFactor != null && replicationFactor < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--replication-factor must be 1 or more, was " + replicationFactor);
            }
            for (String topic : topics) {
                Optional<TopicDescription> existing = Topics.describe(admin, topic);
                if (replicationFactor == null) {
                    Topics.createWithBrokerDefaults(admin, topic, partitions, configs);
                } else {
                    Topics.create(admin, topic, partitions, replicationFactor, configs);
                }
                out.printf(Locale.ROOT, existing.isPresent() ? "%s exists (%d partitions)%n"
                        : "Created %s (%d partitions)%n", topic, Topics.partitions(admin, topic));
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Lists the topics, with their partitions and records.", ""})
    static final class ListTopics extends AdminCall {
        @Option(names = "--all", description = "Kafka's internal topics too (__consumer_offsets...).")
        boolean all;

        @Override
        void run(Admin admin, PrintWriter out) {
            java.util.Set<String> names = get(admin.listTopics(new ListTopicsOptions().listInternal(all)).names(),
                    "listing the topics");
            Map<String, TopicDescription> descriptions = new java.util.TreeMap<>(get(
                    admin.describeTopics(names).allTopicNames(), "describing the topics"));
            Map<TopicPartition, Long> records = records(admin, descriptions.values());
            out.printf(Locale.ROOT, "%-40s %10s %12s%n", "TOPIC", "PARTITIONS", "RECORDS");
            for (TopicDescription topic : descriptions.values()) {
                long count = topic.partitions().stream().mapToLong(p -> records.getOrDefault(
                        new TopicPartition(topic.name(), p.partition()), 0L)).sum();
                out.printf(Locale.ROOT, "%-40s %10d %12d%n", topic.name(), topic.partitions().size(), count);
            }
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = {"Shows a topic's partitions (leader, replicas, in-sync replicas, records) and the"
                + " settings it has that differ from the cluster's defaults.", ""})
    static final class Describe extends AdminCall {
        @Parameters(paramLabel = "TOPIC", description = "The topic.")
        String topic;

        @Override
        void run(Admin admin, PrintWriter out) {
            TopicDescription description = existing(admin, topic, kafka);
            Map<TopicPartition, Long> records = records(admin, List.of(description));
            out.printf(Locale.ROOT, "%s: %d partitions%n", topic, description.partitions().size());
            out.printf(Locale.ROOT, "  %-9s %-8s %-16s %-16s %12s%n", "PARTITION", "LEADER", "REPLICAS", "ISR",
                    "RECORDS");
            for (TopicPartitionInfo partition : description.partitions()) {
                out.printf(Locale.ROOT, "  %-9d %-8s %-16s %-16s %12d%n", partition.partition(),
                        partition.leader() == null || partition.leader().isEmpty() ? "none"
                                : partition.leader().idString(),
                        ids(partition.replicas()), ids(partition.isr()),
                        records.getOrDefault(new TopicPartition(topic, partition.partition()), 0L));
            }
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = get(admin.describeConfigs(List.of(resource)).all(), "reading the settings of "
                    + topic).get(resource);
            List<ConfigEntry> set = config.entries().stream()
                    .filter(entry -> entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG).toList();
            out.println(set.isEmpty() ? "  settings: the cluster's defaults" : "  settings:");
            for (ConfigEntry entry : set) {
                out.printf(Locale.ROOT, "    %s=%s%n", entry.name(), entry.isSensitive() ? "(hidden)"
                        : entry.value());
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = {"Deletes topics and every record in them.", ""})
    static final class Delete extends AdminCall {
        @Parameters(arity = "1..*", paramLabel = "TOPIC", description = "The topics to delete.")
        List<String> topics;

        @Override
        void run(Admin admin, PrintWriter out) {
            for (String topic : topics) {
                existing(admin, topic, kafka);
            }
            get(admin.deleteTopics(topics).all(), "deleting " + String.join(", ", topics));
            topics.forEach(topic -> out.println("Deleted " + topic));
        }
    }

    static Admin admin(KafkaOption kafka) {
        return Admin.create(ClientConfigs.admin(kafka.config(), "eddy-topics"));
    }

    /**
     * The topic's description.
     *
     * @throws EddyException for a topic that does not exist, naming the command that creates it
     */
    static TopicDescription existing(Admin admin, String topic, KafkaOption kafka) {
        return Topics.describe(admin, topic).orElseThrow(() -> new EddyException("Topic '" + topic
                + "' does not exist on " + kafka.bootstrapServers + ". Create it with: ./eddy topics create " + topic
                + " --partitions <n>"));
    }

    /** {@link #existing}, for a command that has no admin client of its own. */
    static void requireExisting(KafkaOption kafka, String topic) {
        try (Admin admin = admin(kafka)) {
            existing(admin, topic, kafka);
        }
    }

    private static Map<TopicPartition, Long> records(Admin admin, java.util.Collection<TopicDescription> topics) {
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (TopicDescription topic : topics) {
            for (TopicPartitionInfo partition : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), partition.partition());
                earliest.put(tp, OffsetSpec.earliest());
                latest.put(tp, OffsetSpec.latest());
            }
        }
        Map<TopicPartition, Long> records = new HashMap<>();
        var start = get(admin.listOffsets(earliest).all(), "reading the topics' offsets");
        get(admin.listOffsets(latest).all(), "reading the topics' offsets")
                .forEach((tp, end) -> records.put(tp, end.offset() - start.get(tp).offset()));
        return records;
    }

    private static String ids(List<Node> nodes) {
        List<String> ids = new ArrayList<>();
        nodes.forEach(node -> ids.add(node.idString()));
        return String.join(",", ids);
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future, String what) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new EddyException("Failed " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new EddyException("No answer from Kafka within " + TIMEOUT_SECONDS + " s " + what
                    + ": is a broker reachable at the bootstrap servers?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EddyException("Interrupted " + what, e);
        }
    }
}
