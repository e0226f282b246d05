package dev.eddy.engine.kafka;

import dev.eddy.engine.EddyException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Waiting for records sent to Kafka, for the few places that must know they arrived before going on. */
public final class Sends {

    private Sends() {
    }

    /**
     * Waits until Kafka has acknowledged every send.
     *
     * @param what what the sends do, for the error ("replaying to 'x'")
     * @throws EddyException when one failed or took longer than the timeout
     */
    public static void awaitAll(List<Future<RecordMetadata>> sends, Duration timeout, String what) {
        try {
            for (Future<RecordMetadata> send : sends) {
                send.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EddyException("Interrupted while " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new EddyException(Character.toUpperCase(what.charAt(0)) + what.substring(1) + " failed: "
                    + e.getMessage(), e);
        }
    }
}
