package dev.eddy.loadtests;

/** One benchmark: Eddy and its baseline, measured over the same records in the same run. */
public interface Scenario {

    /** The name used on the command line and for the result file. */
    String name();

    /** One line saying what is measured against what. */
    String description();

    /** The ratio Eddy ÷ baseline this scenario is held to, or NaN when it has none. */
    double target();

    /** Whether a lower ratio is the better one (latencies), rather than a higher one (throughputs). */
    default boolean lowerIsBetter() {
        return false;
    }

    /** The fewest records (or trials) a run may have. */
    default int minRecords() {
        return 1000;
    }

    /** Records per run unless --records says otherwise. */
    default int defaultRecords() {
        return 2_000_000;
    }

    /** Runs the scenario on the bench's broker and returns the figures. */
    ScenarioResult run(BenchContext context) throws Exception;
}
