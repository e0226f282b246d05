package dev.eddy.engine;

/**
 * A function's counts since it was deployed on this engine.
 *
 * @param received  records handed to the dispatcher
 * @param succeeded handler calls that returned
 * @param failed    handler calls that threw
 * @param emitted   emitted records Kafka acknowledged
 * @param retries   handler calls scheduled again after a failure
 * @param deadLettered records written to the dead-letter topic
 * @param partitionsRevoked input partitions taken away by rebalances (or lost) while the function ran
 */
public record FunctionStats(long received, long succeeded, long failed, long emitted, long retries,
        long deadLettered, long partitionsRevoked) {

    /** Handler calls that completed either way (a retried record counts once per call). */
    public long processed() {
        return succeeded + failed;
    }
}
