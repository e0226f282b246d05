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
 * @param stateReplaysSkipped records delivered again whose state changes the store held already (not applied twice)
 * @param stateExpired keys whose expired state was removed from the store
 */
public record FunctionStats(long received, long succeeded, long failed, long emitted, long retries,
        long deadLettered, long partitionsRevoked, long stateReplaysSkipped, long stateExpired) {

    /** Handler calls that completed either way (a retried record counts once per call). */
    public long processed() {
        return succeeded + failed;
    }
}
