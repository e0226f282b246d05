package dev.eddy.engine.internal.dispatch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What the {@link Watchdog} sees of one lane's calls: which thread runs them, how many have started, whether one
 * runs now, and its own count of how long the current one has run. The lane marks a call's start and end; the
 * watchdog marks it timed out and interrupts its thread; the lane then clears the mark.
 *
 * <p>Threading: the lane's thread writes the call fields without a fence (the watchdog only needs to see them
 * eventually); the watchdog's thread writes its own fields and {@code timedOut}.
 */
final class CallWatch {

    private static final VarHandle CALLS_STARTED;
    private static final VarHandle IN_CALL;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            CALLS_STARTED = lookup.findVarHandle(CallWatch.class, "callsStarted", long.class);
            IN_CALL = lookup.findVarHandle(CallWatch.class, "inCall", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The thread running the lane's current task. */
    private volatile Thread thread;
    /** Set by the watchdog when the current call ran past the timeout. */
    private volatile boolean timedOut;
    private long callsStarted;
    private boolean inCall;
    // The watchdog's own bookkeeping: the call it last saw, and how long it has seen it run.
    private long watchedCall = -1;
    private long watchedNanos;
    /** Where the call was when the watchdog timed it out, for its log. */
    private StackTraceElement[] stackAtTimeout = new StackTraceElement[0];

    // The lane's side.

    /** The lane's task runs on the current thread. */
    void onThread() {
        thread = Thread.currentThread();
    }

    void callStarted() {
        CALLS_STARTED.setOpaque(this, callsStarted + 1);
        IN_CALL.setOpaque(this, true);
    }

    void callEnded() {
        IN_CALL.setOpaque(this, false);
    }

    /** Whether the watchdog timed the call out; clears its mark and its interrupt, which are the lane's to clear. */
    boolean takeTimedOut() {
        if (!timedOut) {
            return false;
        }
        timedOut = false;
        Thread.interrupted();
        return true;
    }

    /**
     * How long the current call has run as the watchdog counts it: 0 until the watchdog has seen the call. Read on
     * the lane's thread; the watchdog's fields may be a period stale, which the deadline it serves allows for.
     */
    long watchedNanos() {
        return watchedCall == callsStarted ? watchedNanos : 0;
    }

    /** Whether a call is running, as far as another thread can tell. */
    boolean inCall() {
        return (boolean) IN_CALL.getOpaque(this);
    }

    // The watchdog's side.

    /** Where the last call timed out was when it was interrupted. */
    StackTraceElement[] stackAtTimeout() {
        return stackAtTimeout;
    }

    /**
     * One round of the watchdog: counts a period more for a call it saw last round, and times the call out once
     * it has run the timeout.
     *
     * @return true when this round timed the call out (its thread was interrupted)
     */
    boolean watch(long periodNanos, long timeoutNanos) {
        if (!inCall()) {
            watchedCall = -1;
            return false;
        }
        long call = (long) CALLS_STARTED.getOpaque(this);
        if (call != watchedCall) {
            watchedCall = call;
            watchedNanos = 0;
            return false;
        }
        watchedNanos += periodNanos;
        if (watchedNanos < timeoutNanos || timedOut) {
            return false;
        }
        Thread running = thread;
        timedOut = true;
        if (running != null) {
            stackAtTimeout = running.getStackTrace();
            running.interrupt();
        }
        return true;
    }
}
