package dev.eddy.engine.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns Ctrl-C (SIGINT, SIGTERM) into a clean stop: the signal counts down {@link #stopSignal}, and the JVM waits
 * until the command has called {@link #done} (at most a minute) so that it can drain, commit and print its summary
 * before the process ends.
 */
final class Interruptible {

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook = new Thread(this::onSignal, "eddy-shutdown");

    Interruptible() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    CountDownLatch stopSignal() {
        return stop;
    }

    private void onSignal() {
        stop.countDown();
        try {
            finished.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void done() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook is running and will return now
        }
    }
}
