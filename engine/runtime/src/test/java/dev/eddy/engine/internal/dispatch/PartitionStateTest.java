package dev.eddy.engine.internal.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PartitionStateTest {

    private static final TopicPartition PARTITION = new TopicPartition("in", 0);

    private final PartitionState ledger = new PartitionState(PARTITION, null, 0);

    @Test
    void shouldNotCommitPastAChunkThatIsStillInFlight() {
        Chunk first = chunk(0, 5);
        Chunk second = chunk(5, 5);
        ledger.add(first);
        ledger.add(second);
        assertEquals(10, ledger.buffered());

        second.release(); // the later records finish first
        ledger.advance();
        assertEquals(-1, ledger.position(), "nothing is committable while offsets 0-4 are in flight");
        assertFalse(ledger.dirty());

        first.release();
        ledger.advance();
        assertEquals(10, ledger.position());
        assertTrue(ledger.dirty());
        assertEquals(0, ledger.buffered());
        assertTrue(ledger.isEmpty());
    }

    @Test
    void shouldWaitForEveryEmitOfAChunk() {
        Chunk chunk = chunk(0, 3);
        ledger.add(chunk);
        chunk.retain();
        chunk.retain();
        chunk.release(); // the handler is done, two emits are not acknowledged yet
        chunk.release();
        ledger.advance();
        assertEquals(-1, ledger.position());

        chunk.release();
        ledger.advance();
        assertEquals(3, ledger.position());
    }

    @Test
    void shouldStopAtAFailedChunkAndKeepItsPosition() {
        Chunk ok = chunk(0, 2);
        Chunk failed = chunk(2, 2);
        Chunk after = chunk(4, 2);
        ledger.add(ok);
        ledger.add(failed);
        ledger.add(after);
        RuntimeException refused = new RuntimeException("refused");
        failed.fail(refused);
        failed.release();
        ok.release();
        after.release();

        ledger.advance();
        assertEquals(2, ledger.position(), "the records before the failed chunk are committable, none after");
        assertSame(refused, ledger.failure());
        ledger.advance();
        assertEquals(2, ledger.position());
    }

    @Test
    void shouldNotCommitPastAChunkWhoseRecordsWereLetGo() {
        Chunk first = chunk(0, 2);
        Chunk second = chunk(2, 2);
        ledger.add(first);
        ledger.add(second);
        ledger.abandon();
        assertTrue(first.isAbandoned() && second.isAbandoned());
        first.release();
        second.dropped(); // a record of it was waiting for a retry when the partition was taken away
        second.release();

        ledger.advance();
        assertEquals(2, ledger.position());
        assertNull(ledger.failure(), "letting records go is not a failure of the function");
    }

    @Test
    void shouldDrainOnlyWhenEveryChunkIsComplete() {
        Chunk first = chunk(0, 1);
        Chunk second = chunk(1, 1);
        ledger.add(first);
        ledger.add(second);
        first.release();
        assertFalse(ledger.drained().isDone());
        second.release();
        assertTrue(ledger.drained().isDone());
        assertNull(ledger.failure());
    }

    private static Chunk chunk(long firstOffset, int count) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(new ConsumerRecord<>(PARTITION.topic(), PARTITION.partition(), firstOffset + i, null, new byte[0]));
        }
        return new Chunk(PARTITION, records, chunk -> { });
    }
}
