package dev.eddy.engine;

/**
 * A function's counts since it was deployed on this engine.
 *
 * @param received  records handed to the dispatcher
 * @param succeeded handler calls that returned
 * @param failed    handler calls that threw
 * @param emitted   emitted records Kafka acknowledged
 */
public record FunctionStats(long received, long succeeded, long failed, long emitted) {

    /** Handler calls that completed either way. */
    public long processed() {
        return succeeded + failed;
    }
}
