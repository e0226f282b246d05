package dev.eddy.loadtests;

/** One benchmark: Eddy and its baseline, measured over the same records in the same run. */
public abstract class Scenario {

    private final String name;
    private final String description;
    private final double target;
    private final boolean lowerIsBetter;
    private final int minRecords;
    private final int defaultRecords;
    private final int defaultWarmUps;

    /** Warm-up pairs of a scenario whose runs last a second or two: the JIT is still busy after four. */
    static final int SHORT_RUN_WARM_UPS = 10;
    /** Warm-up pairs of the others. */
    static final int WARM_UPS = 4;

    /**
     * A throughput benchmark: a higher ratio is better, at least 1,000 records, 2,000,000 unless told otherwise, and
     * {@link #SHORT_RUN_WARM_UPS} warm-up pairs, since its runs are short.
     */
    protected Scenario(String name, String description, double target) {
        this(name, description, target, false, 1000, 2_000_000, SHORT_RUN_WARM_UPS);
    }

    /** As below, with {@link #WARM_UPS} warm-up pairs. */
    protected Scenario(String name, String description, double target, boolean lowerIsBetter, int minRecords,
            int defaultRecords) {
        this(name, description, target, lowerIsBetter, minRecords, defaultRecords, WARM_UPS);
    }

    /**
     * @param name           the name used on the command line and for the result file
     * @param description    one line saying what is measured against what
     * @param target         the ratio Eddy ÷ baseline this scenario is held to, or NaN when it has none
     * @param lowerIsBetter  whether a lower ratio is the better one (latencies), rather than a higher one
     * @param minRecords     the fewest records (or trials) a run may have
     * @param defaultRecords records per run unless --records says otherwise
     * @param defaultWarmUps warm-up pairs unless --warm-ups says otherwise
     */
    protected Scenario(String name, String description, double target, boolean lowerIsBetter, int minRecords,
            int defaultRecords, int defaultWarmUps) {
        this.defaultWarmUps = defaultWarmUps;
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

    public final int defaultWarmUps() {
        return defaultWarmUps;
    }

    /** Runs the scenario on the bench's broker and returns the figures. */
    public abstract ScenarioResult run(BenchContext context) throws Exception;
}
