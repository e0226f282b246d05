package dev.eddy.engine;

/** Where a deployed function is in its life. */
public enum FunctionState {
    /** Joining its consumer group. */
    STARTING,
    /** Consuming and handling records. */
    RUNNING,
    /**
     * Scaled to zero: idle for its {@code scaling.idleAfter}, it let go of its consumer, producer and threads; the
     * engine's watcher starts it again when a record arrives on its inputs.
     */
    IDLE,
    /** Finishing the records in flight and committing them. */
    STOPPING,
    /** Stopped on request; everything completed was committed. */
    STOPPED,
    /** Stopped because records could not be completed (for example an output Kafka refused); see the failure. */
    FAILED
}
