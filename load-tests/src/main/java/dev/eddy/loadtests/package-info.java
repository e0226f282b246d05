/**
 * The benchmark harness behind {@code ./eddy bench}: each {@link dev.eddy.loadtests.Scenario} measures Eddy and a
 * raw-Kafka baseline over the same records in the same run, and the result goes to
 * {@code load-tests/results/<scenario>.json}.
 */
package dev.eddy.loadtests;
