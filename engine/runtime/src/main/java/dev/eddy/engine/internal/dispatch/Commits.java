package dev.eddy.engine.internal.dispatch;

import java.util.Collection;

/**
 * How a worker commits the offsets below which every record is complete: one implementation per delivery
 * guarantee. {@link AtLeastOnceCommits} commits offsets to the group on an interval; {@link TransactionalCommits}
 * commits them in the transaction that holds the records' outputs, behind a barrier.
 *
 * <p>Threading: the poll loop's only (the rebalance listener runs on it too).
 */
sealed interface Commits permits AtLeastOnceCommits, TransactionalCommits {

    /** What a commit policy reports to, and asks of, its worker. */
    interface Worker {
        /** Whether the worker goes on (it is neither stopping nor failed). */
        boolean running();

        /** The worker must stop: a commit cannot be made. */
        void failed(RuntimeException cause);
    }

    /** The ledgers moved past this many records since the last commit. */
    void advanced(int records);

    /** A turn of the poll loop, at this time: commits if one is due (or, transactional, raises the barrier). */
    void turn(long now);

    /** Transactional: whether dispatch is held until everything in flight is done. */
    boolean holding();

    /** Transactional, while holding: whether the held commit can be made now (the ledgers have advanced). */
    boolean ready();

    /**
     * The held commit is {@link #ready}: it is made (unless {@code commit} is false, the worker having failed) and
     * dispatch goes on.
     */
    void release(boolean commit);

    /** The ledgers to drain when these are let go: a transaction covers every partition, so it drains them all. */
    Collection<PartitionState> drainSet(Collection<PartitionState> leaving);

    /**
     * The drained ledgers (as many records as completed within the shutdown timeout) are let go: commits what
     * completed, or, transactional, aborts when {@code abort} or a record was let go undone.
     */
    void drained(Collection<PartitionState> ledgers, boolean abort, boolean workerFailed);
}
