package dev.eddy.engine;

/** Where a deployed function is in its life. */
public enum FunctionState {
    /** Joining its consumer group. */
    STARTING,
    /** Consuming and handling records. */
    RUNNING,
    /** Finishing the records in flight and committing them. */
    STOPPING,
    /** Stopped on request; everything completed was committed. */
    STOPPED,
    /** Stopped because records could not be completed (for example an output Kafka refused); see the failure. */
    FAILED
}
