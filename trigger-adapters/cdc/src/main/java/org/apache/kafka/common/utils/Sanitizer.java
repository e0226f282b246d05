package org.apache.kafka.common.utils;

/**
 * Where Kafka clients up to 4.3 had it: Debezium 3.6 (built on Kafka 4.3) calls {@code jmxSanitize} here, and Kafka 4.4
 * moved the class to {@code org.apache.kafka.common.utils.internals}. This forwards to it, so that the CDC adapter runs
 * with the same Kafka clients as the rest of Eddy. Remove it with a Debezium release built on Kafka 4.4.
 */
public final class Sanitizer {

    private Sanitizer() {
    }

    public static String sanitize(String name) {
        return org.apache.kafka.common.utils.internals.Sanitizer.sanitize(name);
    }

    public static String desanitize(String name) {
        return org.apache.kafka.common.utils.internals.Sanitizer.desanitize(name);
    }

    public static String jmxSanitize(String name) {
        return org.apache.kafka.common.utils.internals.Sanitizer.jmxSanitize(name);
    }
}
