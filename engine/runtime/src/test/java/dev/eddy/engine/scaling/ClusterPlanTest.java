package dev.eddy.engine.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.scaling.ClusterScaling.Decision;
import dev.eddy.engine.scaling.ClusterScaling.Limits;
import dev.eddy.engine.scaling.ClusterScaling.Report;
import dev.eddy.engine.scaling.ClusterScaling.Share;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClusterPlanTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long COOLDOWN = 30 * SECOND;
    /** Up to 8 workers of 4 calls each. */
    private static final Limits LIMITS = new Limits("orders", 1, 8, 4);

    private static Report report(String engine, double rate, long waiting, Double callMillis, int running,
            int workers) {
        return new Report(engine, "orders", rate, waiting, callMillis, running, workers);
    }

    /** Several engines' plans, each fed every report and decision, as the scaling topic would. */
    private static final class Cluster {
        final Map<String, ClusterPlan> plans;
        long now = SECOND;

        Cluster(String... engines) {
            plans = new java.util.TreeMap<>();
            for (String engine : engines) {
                plans.put(engine, new ClusterPlan(engine, COOLDOWN));
            }
        }

        void report(Report report) {
            plans.values().forEach(plan -> plan.report(report, now));
        }

        /** Each plan decides (at most one leads); what was decided reaches every plan. */
        Optional<Decision> decide() {
            Optional<Decision> decided = Optional.empty();
            for (ClusterPlan plan : plans.values()) {
                Optional<Decision> decision = plan.decide(LIMITS, now);
                if (decision.isPresent()) {
                    assertTrue(decided.isEmpty(), "one leader at a time: " + decided + " and " + decision);
                    decided = decision;
                }
            }
            decided.ifPresent(decision -> plans.values().forEach(plan -> plan.decision(decision, now)));
            return decided;
        }

        Optional<Share> share(String engine) {
            return plans.get(engine).share("orders", now);
        }
    }

    @Test
    void shouldLeaveAnEngineAloneToDecideForItself() {
        Cluster cluster = new Cluster("engine-1");
        cluster.report(report("engine-1", 5_000, 10_000, 4.0, 4, 1));
        assertEquals(Optional.empty(), cluster.decide(), "one engine: no decision for a cluster");
        assertEquals(Optional.empty(), cluster.share("engine-1"));
    }

    @Test
    void shouldDecideOnceFromTheSummedFiguresAndSplitTheCountBetweenTheEngines() {
        Cluster cluster = new Cluster("engine-2", "engine-1");
        cluster.report(report("engine-1", 1_000, 0, 4.0, 4, 1));
        cluster.report(report("engine-2", 1_000, 0, 4.0, 4, 1));
        Decision first = cluster.decide().orElseThrow();
        assertEquals("engine-1", first.leader(), "the smallest instance id leads");
        assertEquals(2, first.workers(), "a new leader starts from what runs: " + first);

        cluster.now += SECOND;
        cluster.report(report("engine-1", 1_000, 0, 4.0, 4, 1));
        cluster.report(report("engine-2", 1_000, 0, 4.0, 4, 1));
        // 2,000 records/s at 4 ms: 1.25 × 8 = 10 calls → 3 workers of 4 (each engine alone would ask for 2: 4).
        Decision up = cluster.decide().orElseThrow();
        assertEquals(3, up.workers(), up.reason());
        assertTrue(up.reason().startsWith("2 engines: up: 2000 records/s arriving"), up.reason());
        assertEquals(Map.of("engine-1", 2, "engine-2", 1), up.shares());

        Share leader = cluster.share("engine-1").orElseThrow();
        Share follower = cluster.share("engine-2").orElseThrow();
        assertEquals(List.of(3, 2, true), List.of(leader.workers(), leader.here(), leader.decidedHere()));
        assertEquals(List.of(3, 1, false), List.of(follower.workers(), follower.here(), follower.decidedHere()));
        assertEquals("engine-1", follower.leader());
    }

    @Test
    void shouldKeepTheCountWithinTheFunctionsBoundsAndWeighTheCallTimeByArrivals() {
        Cluster cluster = new Cluster("a", "b", "c");
        Decision decision = null;
        for (int second = 0; second < 2; second++) {
            // a: 10,000/s at 8 ms; b: nothing arriving, its calls timed at 1 ms a while ago; c: no call timed yet.
            cluster.report(report("a", 10_000, 50_000, 8.0, 4, 1));
            cluster.report(report("b", 0, 0, 1.0, 0, 1));
            cluster.report(report("c", 0, 0, null, 0, 1));
            decision = cluster.decide().orElseThrow();
            cluster.now += SECOND;
        }
        assertEquals(8, decision.workers(), "no more than the limit: " + decision);
        assertTrue(decision.reason().contains("10000 records/s arriving, 50000 waiting, 8.00 ms a call"),
                "b, with nothing arriving, hardly counts for the call time: " + decision.reason());
        assertEquals(Map.of("a", 3, "b", 3, "c", 2), decision.shares());
    }

    @Test
    void shouldHandTheLeadToTheNextEngineOnceTheLeadersReportsAreStaleAndKeepTheCountAcrossIt() {
        Cluster cluster = new Cluster("a", "b", "c");
        Decision before = null;
        for (int second = 0; second < 3; second++) {
            for (String engine : List.of("a", "b", "c")) {
                cluster.report(report(engine, 2_000, 0, 4.0, 4, 2));
            }
            before = cluster.decide().orElseThrow();
            cluster.now += SECOND;
        }
        assertEquals("a", before.leader());
        assertEquals(8, before.workers(), before.reason()); // 6,000/s at 4 ms: 30 calls, 8 workers at most
        // a is killed: b and c go on reporting; b leads once a's last report is more than 3 s old.
        long killed = cluster.now;
        Decision after = null;
        while (after == null || !after.leader().equals("b")) {
            cluster.now += SECOND;
            for (String engine : List.of("b", "c")) {
                cluster.report(report(engine, 2_000, 0, 4.0, 4, 3));
            }
            cluster.plans.remove("a");
            after = cluster.decide().orElse(after);
            assertTrue(cluster.now - killed <= ClusterPlan.FRESH_NANOS + 2 * SECOND, "b leads within 4 s");
        }
        assertEquals(8, after.workers(), "a new leader starts from the last decision, not what runs (6): " + after);
        assertEquals(Map.of("b", 4, "c", 4), after.shares());
        assertEquals("2 engines: as a decided last", after.reason());
    }

    @Test
    void shouldFallBackToTheEnginesOwnDecisionWhenTheClusterDecisionIsStaleOrDoesNotNameIt() {
        Cluster cluster = new Cluster("a", "b");
        cluster.report(report("a", 100, 0, 4.0, 1, 1));
        cluster.report(report("b", 100, 0, 4.0, 1, 1));
        cluster.decide().orElseThrow();
        assertTrue(cluster.share("b").isPresent());
        cluster.now += ClusterPlan.FRESH_NANOS + 1;
        assertTrue(cluster.share("b").isPresent(), "a decision outlives the leader's reports, until the next leader's");
        cluster.now += ClusterPlan.DECISION_FRESH_NANOS - ClusterPlan.FRESH_NANOS;
        assertEquals(Optional.empty(), cluster.share("b"), "a decision 6 s old no longer counts");

        ClusterPlan late = new ClusterPlan("c", COOLDOWN);
        late.decision(new Decision("a", "orders", 2, Map.of("a", 1, "b", 1), "2 engines: …"), cluster.now);
        assertEquals(Optional.empty(), late.share("orders", cluster.now), "an engine the decision does not name");
    }

    @Test
    void shouldSplitEvenlyWithTheRemainderToTheFirstEngines() {
        assertEquals(Map.of("a", 2, "b", 2, "c", 1), ClusterPlan.split(5, List.of("a", "b", "c")));
        assertEquals(Map.of("a", 1, "b", 0, "c", 0), ClusterPlan.split(1, List.of("a", "b", "c")));
        assertEquals(Map.of("a", 0, "b", 0), ClusterPlan.split(0, List.of("a", "b")));
    }

    @Test
    void shouldForgetEnginesNotHeardOfForAMinute() {
        ClusterPlan plan = new ClusterPlan("a", COOLDOWN);
        plan.report(report("a", 100, 0, 4.0, 1, 1), SECOND);
        plan.report(report("b", 100, 0, 4.0, 1, 1), SECOND);
        assertTrue(plan.decide(LIMITS, 2 * SECOND).isPresent());
        plan.forget(TimeUnit.MINUTES.toNanos(2));
        assertFalse(plan.decide(LIMITS, TimeUnit.MINUTES.toNanos(2)).isPresent());
        assertFalse(plan.share("orders", TimeUnit.MINUTES.toNanos(2)).isPresent());
    }
}
