package dev.eddy.engine;

/**
 * A function's counts since it was deployed on this engine, and its recent handler latency.
 *
 * @param received    records handed to the dispatcher
 * @param succeeded   handler calls that returned
 * @param failed      handler calls that threw
 * @param emitted     emitted records Kafka acknowledged (counted when their input records complete)
 * @param handlerP50Millis median handler time over the last few seconds, NaN before any call
 * @param handlerP99Millis 99th percentile handler time over the last few seconds, NaN before any call
 */
public record FunctionStats(long received, long succeeded, long failed, long emitted, double handlerP50Millis,
        double handlerP99Millis) {

    /** Handler calls that completed either way. */
    public long processed() {
        return succeeded + failed;
    }
}
