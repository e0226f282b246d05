package dev.eddy.loadtests;

/** One benchmark: Eddy and its baseline, measured over the same records in the same run. */
public abstract class Scenario {

    private final String name;
    private final String description;
    private final double target;
    private final boolean lowerIsBetter;
    private final int minRecords;
    private final int defaultRecords;

    /** A throughput benchmark: a higher ratio is better, at least 1,000 records, 2,000,000 unless told otherwise. */
    protected Scenario(String name, String description, double target) {
        this(name, description, target, false, 1000, 2_000_000);
    }

    /**
     * @param name           the name used on the command line and for the result file
     * @param description    one line saying what is measured against what
     * @param target         the ratio Eddy ÷ baseline this scenario is held to, or NaN when it has none
     * @param lowerIsBetter  whether a lower ratio is the better one (latencies), rather than a higher one
     * @param minRecords     the fewest records (or trials) a run may have
     * @param defaultRecords records per run unless --records says otherwise
     */
    protected Scenario(String name, String description, double target, boolean lowerIsBetter, int minRecords,
            int defaultRecords) {
        this.name = name;
        this.description = description;
        this.target = target;
        this.lowerIsBetter = lowerIsBetter;
        this.minRecords = minRecords;
        this.defaultRecords = defaultRecords;
    }

    public final String name() {
        return name;
    }

    public final String description() {
        return description;
    }

    public final double target() {
        return target;
    }

    public final boolean lowerIsBetter() {
        return lowerIsBetter;
    }

    public final int minRecords() {
        return minRecords;
    }

    public final int defaultRecords() {
        return defaultRecords;
    }

    /** Runs the scenario on the bench's broker and returns the figures. */
    public abstract ScenarioResult run(BenchContext context) throws Exception;
}
