package dev.eddy.engine;

/**
 * Whether the records a function emits carry CloudEvents headers ({@code ce_specversion}, {@code ce_id},
 * {@code ce_source}, {@code ce_type}: the CloudEvents Kafka binding, binary mode), so that Knative and other
 * CloudEvents consumers read them. The headers take about 130 bytes a record and, measured on the pass-through
 * benchmark, over half again the CPU time of a record that has none, so a plain Kafka stream stays plain unless asked.
 */
public enum CloudEventsMode {
    /**
     * An emitted event is a CloudEvent when the input it came from is one (has {@code ce_specversion}): a CloudEvents
     * stream, such as Eddy's trigger adapters write, stays one through every function. The default.
     */
    AUTO,
    /** Every emitted event is a CloudEvent. */
    ALWAYS,
    /** No headers are added; those an event carries are left as they are. */
    NEVER
}
