package dev.eddy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineConfigTest {

    private static final EngineConfig DEFAULTS = EngineConfig.forBootstrapServers("127.0.0.1:9092");

    @Test
    void shouldRaiseADefaultBufferBoundToTwiceTheCallsThatRunAtOnceInTheKeyLanes() {
        assertEquals(20_000, DEFAULTS.bufferBound(EngineConfig.MAX_BUFFERED_RECORDS, true, 10_000));
        assertEquals(20_000, DEFAULTS.bufferBound(EngineConfig.MAX_BUFFERED_RECORDS_PER_PARTITION, true, 10_000));
        assertEquals(10_000, DEFAULTS.bufferBound(EngineConfig.MAX_BUFFERED_RECORDS, true, 100), "the default");
        assertEquals(10_000, DEFAULTS.bufferBound(EngineConfig.MAX_BUFFERED_RECORDS, false, 10_000),
                "PARTITION order runs a call per partition");
    }

    @Test
    void shouldKeepABufferBoundThatWasSet() {
        EngineConfig set = DEFAULTS.with(Map.of(EngineConfig.MAX_BUFFERED_RECORDS, "10"));
        assertEquals(10, set.bufferBound(EngineConfig.MAX_BUFFERED_RECORDS, true, 10_000));
        assertEquals(20_000, set.bufferBound(EngineConfig.MAX_BUFFERED_RECORDS_PER_PARTITION, true, 10_000));
    }
}
