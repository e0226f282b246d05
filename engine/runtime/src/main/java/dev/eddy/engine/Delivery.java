package dev.eddy.engine;

/** What a function's effects on Kafka promise after a crash. */
public enum Delivery {
    /**
     * Every record is handled until it succeeds or is dead-lettered; after a crash the records in flight, and
     * those completed since the last commit, are handled again, so their outputs may appear twice. The default.
     */
    AT_LEAST_ONCE,
    /**
     * A record's outputs, dead letters and input offset are committed in one Kafka transaction, so a
     * {@code read_committed} consumer of the outputs sees each record's effects once, crashes and zombies
     * included. It covers what the function writes to Kafka through its context, not what a handler does to
     * anything else (a call to an outside service is repeated when its record is).
     */
    EXACTLY_ONCE
}
