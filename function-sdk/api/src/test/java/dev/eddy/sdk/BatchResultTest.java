package dev.eddy.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BatchResultTest {

    @Test
    void shouldCollectFailuresByIndexWithoutChangingTheOriginal() {
        BatchResult one = BatchResult.failed(2, new IllegalStateException("a"));
        BatchResult two = one.andFailed(0, new IllegalStateException("b"));
        assertEquals(List.of(2), List.copyOf(one.failures().keySet()));
        assertEquals(List.of(0, 2), List.copyOf(two.failures().keySet()));
        assertTrue(BatchResult.success().allSucceeded());
    }

    @Test
    void shouldRefuseANegativeIndex() {
        assertThrows(IllegalArgumentException.class, () -> BatchResult.failed(-1, new RuntimeException()));
    }
}
