package dev.eddy.loadtests;

import java.util.Map;

/**
 * The figures of one scenario run.
 *
 * @param eddy     Eddy's figures
 * @param baseline the baseline's figures, measured in the same run
 * @param ratio    Eddy ÷ baseline on the scenario's main figure
 * @param settings what the run was configured with
 */
public record ScenarioResult(Map<String, Object> eddy, Map<String, Object> baseline, double ratio,
        Map<String, Object> settings) {
}
