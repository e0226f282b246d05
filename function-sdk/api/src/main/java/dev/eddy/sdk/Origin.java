package dev.eddy.sdk;

import java.util.Objects;

/**
 * Where an event was read from: its topic, partition and offset.
 *
 * @param topic     the topic, never null
 * @param partition the partition, zero or more
 * @param offset    the offset inside the partition, zero or more
 */
public record Origin(String topic, int partition, long offset) {

    public Origin {
        Objects.requireNonNull(topic, "topic");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
