package dev.eddy.engine.kafka;

import dev.eddy.engine.EddyException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates topics and returns only once every partition takes writes.
 *
 * <p>Why wait: on Kafka 4.4 an idempotent producer that sends to a partition in the moment the broker is still
 * applying its creation can have one request rejected as not-leader and the next accepted, after which the first
 * is retried as out of order until it expires: records lost despite {@code acks=all} (KAFKA-15591). Waiting until
 * each partition has a leader that answers an offset lookup closes that window without writing anything.
 */
public final class Topics {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Topics() {
    }

    /**
     * Creates the topic unless it exists, then waits until every partition is ready.
     *
     * @throws TopicException when the topic exists with fewer partitions, or cannot be created or made ready
     */
    public static void create(Admin admin, String name, int partitions, short replicationFactor,
            Map<String, String> configs) {
        create(admin, name, partitions, replicationFactor, configs, true);
    }

    /** @return the topic's partition count, once every partition is ready */
    private static int create(Admin admin, String name, int partitions, short replicationFactor,
            Map<String, String> configs, boolean checkPartitions) {
        try {
            NewTopic topic = replicationFactor == NO_REPLICATION_FACTOR
                    ? new NewTopic(name, java.util.Optional.of(partitions), java.util.Optional.empty())
                    : new NewTopic(name, partitions, replicationFactor);
            admin.createTopics(List.of(topic.configs(configs)))
                    .all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new TopicException("Could not create topic '" + name + "': " + e.getCause().getMessage(), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicException("Interrupted while creating topic '" + name + "'", e);
        } catch (TimeoutException e) {
            throw new TopicException("Creating topic '" + name + "' took longer than " + TIMEOUT, e);
        }
        int existing = awaitReady(admin, name);
        if (checkPartitions && existing < partitions) {
            throw new TopicException("Topic '" + name + "' exists with " + existing + " partitions; " + partitions
                    + " were asked for. Delete it or increase its partitions.", null);
        }
        return existing;
    }

    /**
     * Creates the topic with this many partitions and the broker's defaults if it does not exist; a topic that
     * exists is used as it is, whatever its partitions.
     */
    public static void createIfMissing(Admin admin, String name, int partitions) {
        create(admin, name, partitions, NO_REPLICATION_FACTOR, Map.of(), false);
    }

    /**
     * Creates a compacted topic with the broker's default replication unless it exists, and waits until it is
     * ready; one that exists must have exactly this many partitions.
     */
    public static void createCompacted(Admin admin, String name, int partitions) {
        int existing = create(admin, name, partitions, NO_REPLICATION_FACTOR, Map.of("cleanup.policy", "compact"),
                false);
        if (existing != partitions) {
            throw new TopicException("Topic '" + name + "' exists with " + existing + " partitions; it must have "
                    + partitions + ". Delete it, or give the topics it follows the same partitions.", null);
        }
    }

    /**
     * How many partitions a topic has.
     *
     * @throws TopicException when it does not exist or Kafka cannot be asked
     */
    public static int partitions(Admin admin, String name) {
        try {
            return admin.describeTopics(List.of(name)).allTopicNames().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(name).partitions().size();
        } catch (ExecutionException e) {
            throw new TopicException("Could not describe topic '" + name + "': " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicException("Interrupted while describing topic '" + name + "'", e);
        } catch (TimeoutException e) {
            throw new TopicException("Describing topic '" + name + "' took longer than " + TIMEOUT, e);
        }
    }

    /**
     * The topic's description, or empty when it does not exist.
     *
     * @throws TopicException when Kafka cannot be asked
     */
    public static java.util.Optional<TopicDescription> describe(Admin admin, String name) {
        try {
            return java.util.Optional.of(admin.describeTopics(List.of(name)).allTopicNames()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(name));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                return java.util.Optional.empty();
            }
            throw new TopicException("Could not describe topic '" + name + "': " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicException("Interrupted while describing topic '" + name + "'", e);
        } catch (TimeoutException e) {
            throw new TopicException("Describing topic '" + name + "' took longer than " + TIMEOUT
                    + ": is Kafka reachable at the bootstrap servers?", e);
        }
    }

    /** Creates the topic with one replica and the broker's default settings. */
    public static void create(Admin admin, String name, int partitions) {
        create(admin, name, partitions, (short) 1, Map.of());
    }

    /**
     * Creates the topic, unless it exists, with the broker's default replication factor and settings, and waits
     * until it is ready.
     */
    public static void createWithBrokerDefaults(Admin admin, String name, int partitions) {
        createWithBrokerDefaults(admin, name, partitions, Map.of());
    }

    /** As {@link #createWithBrokerDefaults(Admin, String, int)}, with these topic settings. */
    public static void createWithBrokerDefaults(Admin admin, String name, int partitions, Map<String, String> configs) {
        create(admin, name, partitions, NO_REPLICATION_FACTOR, configs);
    }

    /** The replication factor that means "the broker's default". */
    private static final short NO_REPLICATION_FACTOR = -1;

    /**
     * Waits until every partition of the topic has a leader that answers an offset lookup.
     *
     * @return the number of partitions
     */
    public static int awaitReady(Admin admin, String name) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                TopicDescription description = admin.describeTopics(List.of(name)).allTopicNames()
                        .get(5, TimeUnit.SECONDS).get(name);
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                boolean leaders = true;
                for (TopicPartitionInfo partition : description.partitions()) {
                    leaders &= partition.leader() != null && !partition.leader().isEmpty();
                    latest.put(new TopicPartition(name, partition.partition()), OffsetSpec.latest());
                }
                if (leaders) {
                    admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
                    return description.partitions().size();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicException("Interrupted while waiting for topic '" + name + "'", e);
            } catch (ExecutionException | TimeoutException e) {
                last = e;
            }
            try {
                Thread.sleep(20); // polling the broker's state: nothing to wait on but time
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicException("Interrupted while waiting for topic '" + name + "'", e);
            }
        }
        throw new TopicException("Topic '" + name + "' had no ready leader for every partition within " + TIMEOUT
                + (last == null ? "" : ": " + last.getMessage()), last);
    }

    /** A topic could not be created or did not become ready. */
    public static final class TopicException extends EddyException {
        public TopicException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
