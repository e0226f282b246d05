package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.state.KeyedStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once commits: a record's outputs (emits, dead letters, state changes) and its offset are committed in
 * one Kafka transaction. A transaction may hold a record's outputs only together with its offset, and while
 * records run, some have emitted ahead of the committable position; so on the commit interval a barrier holds
 * dispatch (every partition paused, retries held at the {@link RetryGate}) until nothing runs and nothing sent is
 * unanswered, then commits the transaction with the ledgers' offsets, or aborts it and rewinds every ledger to its
 * last commit when a record was let go undone (its partition was taken away), so that its records are fetched and
 * handled again. Records waiting for a retry do not hold the barrier: the commit stops at the first of them and
 * names the records past it that are done (a {@link CommitPoint}), so that other keys flow while one key retries.
 * Commits are not brought forward: a crash replays nothing twice here, and each commit drains the pipeline.
 *
 * <p>Threading: the poll loop's only.
 */
final class TransactionalCommits implements Commits {

    private static final Logger log = LoggerFactory.getLogger(TransactionalCommits.class);

    private final String function;
    private final Consumer<byte[], byte[]> consumer;
    private final Ledgers partitions;
    private final InFlightBudget budget;
    private final Transactions transactions;
    /** The function's keyed state, told of an abort; null when it has none. */
    private final KeyedStore stateStore;
    private final Worker worker;
    private final long intervalNanos;
    private long lastCommit;
    private boolean barrier;
    private long dispatchedAtLastCommit;
    private long completedAtLastCommit;
    private final RetryGate gate;

    TransactionalCommits(String function, Consumer<byte[], byte[]> consumer, Ledgers partitions,
            InFlightBudget budget, Transactions transactions, KeyedStore stateStore, Worker worker, RetryGate gate,
            long intervalNanos, long now) {
        this.gate = gate;
        this.function = function;
        this.consumer = consumer;
        this.partitions = partitions;
        this.budget = budget;
        this.transactions = transactions;
        this.stateStore = stateStore;
        this.worker = worker;
        this.intervalNanos = intervalNanos;
        this.lastCommit = now;
    }

    /** Fences this engine's former self (same transactional id), aborts what it left open, and begins. */
    void start() {
        transactions.start();
    }

    @Override
    public void advanced(int records) {
        // a transaction's commit is never brought forward
    }

    /** Raises the barrier when a commit is due and something was handed out since the last. */
    @Override
    public void turn(long now) {
        if (now - lastCommit < intervalNanos) {
            return;
        }
        lastCommit = now;
        if (budget.dispatchedCount() == dispatchedAtLastCommit && budget.completedCount() == completedAtLastCommit) {
            return; // nothing happened since the last commit
        }
        partitions.pauseAll();
        gate.close();
        barrier = true;
    }

    @Override
    public boolean holding() {
        return barrier;
    }

    /** Whether the barrier may be released: nothing runs, and what waits can be named in the commit. */
    @Override
    public boolean ready() {
        for (PartitionState ledger : partitions.all()) {
            if (!ledger.quiescent()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void release(boolean commit) {
        if (commit) {
            end(partitions.all(), partitions.all().stream().anyMatch(PartitionState::stuckOnDropped));
        }
        barrier = false;
        gate.open();
        partitions.resumeAll();
    }

    @Override
    public Collection<PartitionState> drainSet(Collection<PartitionState> leaving) {
        List<PartitionState> all = new ArrayList<>(leaving);
        partitions.all().stream().filter(ledger -> !all.contains(ledger)).forEach(all::add);
        return all;
    }

    @Override
    public void drained(Collection<PartitionState> ledgers, boolean abort, boolean workerFailed) {
        if (workerFailed) {
            try {
                transactions.abandon();
            } catch (RuntimeException e) {
                log.warn("Function '{}': aborting the transaction failed: {}", function, e.toString());
            }
            return;
        }
        boolean incomplete = ledgers.stream().anyMatch(l -> l.stuckOnDropped() || !l.isEmpty());
        end(ledgers, abort || incomplete);
    }

    /**
     * Commits the open transaction with the ledgers' offsets and begins the next, or, when {@code abort}, aborts it
     * and rewinds every ledger to its last commit. Every record handed out must be done.
     */
    private void end(Collection<PartitionState> ledgers, boolean abort) {
        dispatchedAtLastCommit = budget.dispatchedCount();
        completedAtLastCommit = budget.completedCount();
        boolean next = worker.running(); // a stopping function closes its producer with none open
        try {
            if (abort) {
                transactions.abort(next);
                for (PartitionState ledger : ledgers) {
                    ledger.rewind(); // every record is done: none was parked (a drain let them go)
                    if (ledger.lastCommitted() >= 0 && partitions.owns(ledger.partition)) {
                        consumer.seek(ledger.partition, ledger.lastCommitted());
                    }
                }
                if (stateStore != null && next) {
                    stateStore.aborted(); // the state changes of the aborted transaction are gone from Kafka too
                }
                log.info("Function '{}' aborted its transaction; the records since the last commit will be handled"
                        + " again", function);
            } else {
                partitions.commitPoints(ledgers, offsets -> transactions.commit(offsets, consumer.groupMetadata(),
                        next));
            }
        } catch (Transactions.TransactionException e) {
            // Fenced by a newer instance, or thrown out of the group while stopped (a zombie): nothing of this
            // transaction becomes visible, and whoever owns the partitions now handles the records.
            log.error("{}", e.getMessage());
            worker.failed(e);
        }
    }
}
