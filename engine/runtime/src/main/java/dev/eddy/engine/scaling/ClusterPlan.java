package dev.eddy.engine.scaling;

import dev.eddy.engine.scaling.ClusterScaling.Decision;
import dev.eddy.engine.scaling.ClusterScaling.Limits;
import dev.eddy.engine.scaling.ClusterScaling.Report;
import dev.eddy.engine.scaling.ClusterScaling.Share;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What one engine knows of the engines that run each function, from the reports and decisions on the scaling topic,
 * and the decisions it makes when it leads a function's scaling. The leader of a function is the engine with the
 * smallest instance id among those that reported it within {@link #FRESH_NANOS}, once there are two or more: every
 * engine reads the same one-partition topic, so every engine comes to the same answer, and a leader that stops
 * reporting (killed, cut off, its function at zero there) is replaced as soon as its reports are stale. Alone, an
 * engine decides for itself (its own scaling controller), as it does without a cluster.
 *
 * <p>The leader feeds a {@link ScalingController} of its own with the cluster's figures — the arrival rate, records
 * waiting and calls running (each engine's, summed), the call time (weighted by each engine's arrival rate) — and
 * splits the count it asks for between the live engines. A new leader's controller starts from the last
 * decision, so a change of leader sheds nothing by itself.
 *
 * <p>Not thread-safe: {@link ClusterScaling} guards it. Times are {@link System#nanoTime} of this engine, when a
 * record was read or made here (no clock is compared across machines).
 */
final class ClusterPlan {

    /** How long a report counts after it was read: three of the engines' ticks. */
    static final long FRESH_NANOS = TimeUnit.SECONDS.toNanos(3);
    /**
     * How long a decision counts after it was read: longer than a report, so that when a leader stops, the others
     * go on running their shares until the next leader, which takes over once the last report is stale, decides.
     */
    static final long DECISION_FRESH_NANOS = FRESH_NANOS + TimeUnit.SECONDS.toNanos(3);
    /** An engine not heard of for this long is forgotten (its counter too). */
    private static final long FORGET_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final String self;
    private final long cooldownNanos;
    private final Map<String, View> views = new HashMap<>();

    /**
     * @param self          this engine's instance id
     * @param cooldownNanos the cooldown of the controller it runs while it leads
     */
    ClusterPlan(String self, long cooldownNanos) {
        this.self = self;
        this.cooldownNanos = cooldownNanos;
    }

    /** One function, as the reports show it. */
    private static final class View {
        /** The last report of each engine, by instance id (sorted: the first live one leads). */
        final Map<String, Seen> engines = new TreeMap<>();
        /** The cluster's records received, as the leader's controller counts them: the arrival rates, integrated. */
        double received;
        /** When this engine last decided for the function (0: not while it leads now). */
        long decidedAt;
        Decision decision;
        long decisionAt;
        /** This engine's controller for the cluster, while it leads. */
        ScalingController controller;

        List<Seen> live(long now) {
            List<Seen> live = new ArrayList<>();
            for (Seen seen : engines.values()) {
                if (now - seen.at() <= FRESH_NANOS) {
                    live.add(seen);
                }
            }
            return live;
        }
    }

    /** @param at when it was read */
    private record Seen(Report report, long at) {
    }

    /** A report read, or made here (this engine's own are not read back). */
    void report(Report report, long now) {
        View view = views.computeIfAbsent(report.function(), name -> new View());
        view.engines.put(report.engine(), new Seen(report, now));
    }

    /** A decision read. */
    void decision(Decision decision, long now) {
        View view = views.computeIfAbsent(decision.function(), name -> new View());
        view.decision = decision;
        view.decisionAt = now;
    }

    /**
     * Decides the function's workers for the cluster when this engine leads it (two or more engines reported it
     * lately, and this one has the smallest id); empty otherwise.
     */
    Optional<Decision> decide(Limits limits, long now) {
        View view = views.get(limits.function());
        List<Seen> live = view == null ? List.of() : view.live(now);
        if (live.size() < 2 || !live.get(0).report().engine().equals(self)) {
            if (view != null) {
                view.controller = null; // should it lead again, it starts from the decision of then
                view.decidedAt = 0;
            }
            return Optional.empty();
        }
        double rate = 0;
        long waiting = 0;
        int running = 0;
        int workers = 0;
        double callWeights = 0;
        double weightedCall = 0;
        for (Seen seen : live) {
            Report report = seen.report();
            rate += report.rate();
            waiting += report.waiting();
            running += report.running();
            workers += report.workers();
            if (report.callMillis() != null) {
                double weight = report.rate() + 1e-3; // an engine with nothing arriving still says what a call takes
                callWeights += weight;
                weightedCall += weight * report.callMillis() / 1000;
            }
        }
        if (view.decidedAt != 0) {
            view.received += rate * (now - view.decidedAt) / 1e9;
        }
        view.decidedAt = now;
        if (view.controller == null) {
            // The last leader's count, however old (it is the best guess there is), else what the engines run.
            ScalingController.Decision from = view.decision != null
                    ? new ScalingController.Decision(view.decision.workers(), "as " + view.decision.leader()
                            + " decided last")
                    : new ScalingController.Decision(workers, "as run when this engine took the lead");
            view.controller = new ScalingController(limits.min(), limits.max(), limits.callsPerWorker(),
                    cooldownNanos, from);
        }
        double callSeconds = callWeights == 0 ? Double.NaN : weightedCall / callWeights;
        ScalingController.Decision decided = view.controller.update(
                new ScalingController.Sample(now, (long) view.received, waiting, callSeconds, running));
        List<String> engines = live.stream().map(seen -> seen.report().engine()).toList();
        Decision decision = new Decision(self, limits.function(), decided.workers(), split(decided.workers(), engines),
                live.size() + " engines: " + decided.reason());
        view.decision = decision;
        view.decisionAt = now;
        return Optional.of(decision);
    }

    /**
     * The count split between the engines as evenly as it goes, the first ones (by id) one more; an engine with a
     * share of 0 still runs one worker while its function is not at zero.
     */
    static Map<String, Integer> split(int workers, List<String> engines) {
        Map<String, Integer> shares = new LinkedHashMap<>();
        for (int i = 0; i < engines.size(); i++) {
            shares.put(engines.get(i), workers / engines.size() + (i < workers % engines.size() ? 1 : 0));
        }
        return shares;
    }

    /** This engine's share of the function's last decision, while it is fresh and names this engine. */
    Optional<Share> share(String function, long now) {
        View view = views.get(function);
        if (view == null || view.decision == null || now - view.decisionAt > DECISION_FRESH_NANOS) {
            return Optional.empty();
        }
        Integer here = view.decision.shares().get(self);
        if (here == null) {
            return Optional.empty(); // decided before this engine was heard of: its own controller until the next
        }
        return Optional.of(new Share(view.decision.workers(), here, view.decision.reason(), view.decision.leader(),
                view.decision.leader().equals(self)));
    }

    /** Forgets engines not heard of for a minute, and functions no engine reports. */
    void forget(long now) {
        views.values().removeIf(view -> {
            view.engines.values().removeIf(seen -> now - seen.at() > FORGET_NANOS);
            return view.engines.isEmpty() && (view.decision == null || now - view.decisionAt > FORGET_NANOS);
        });
    }
}
