package dev.eddy.engine.demo;

/**
 * What a demo run counted.
 *
 * @param in        readings Kafka acknowledged from the simulated devices
 * @param rejected  readings Kafka refused
 * @param processed readings the function handled
 * @param failed    readings the function failed on
 * @param out       checked readings read back from the output topic
 * @param alerts    alerts read back from the alerts topic
 * @param p50Millis median end-to-end latency over the whole run
 * @param p99Millis 99th percentile end-to-end latency over the whole run
 * @param warmP50Millis median end-to-end latency after the first seconds (JIT warm-up); NaN for a short run
 * @param warmP99Millis 99th percentile end-to-end latency after the first seconds; NaN for a short run
 * @param seconds   how long the devices sent
 */
public record DemoSummary(long in, long rejected, long processed, long failed, long out, long alerts,
        double p50Millis, double p99Millis, double warmP50Millis, double warmP99Millis, double seconds,
        long windows, long windowedReadings, java.time.Duration windowSize) {

    /** Whether the windows closed hold every processed reading, each once. */
    public boolean windowsBalanced() {
        return windowedReadings == processed;
    }

    /** Whether every reading that went in was processed and came out, exactly once. */
    public boolean balanced() {
        return rejected == 0 && failed == 0 && in == processed && processed == out;
    }
}
