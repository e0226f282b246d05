package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.kafka.ClientConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;

/** The exactly-once workers an earlier run of this engine left behind, fenced before a function starts again. */
public final class FormerWorkers {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FormerWorkers.class);

    private FormerWorkers() {
    }

    /**
     * Aborts what workers of an earlier run of this engine (same instance id) left open in their transactions when
     * it crashed: each worker's transactional id is fenced, so that Kafka aborts its open transaction now rather
     * than at its timeout (until then, read_committed consumers of the partitions it wrote wait). The first worker
     * fences its own id when it starts; this does the others, all at once, before any of them runs.
     */
    public static void fence(EngineConfig config, FunctionDefinition definition, String clientId,
            int workerLimit) {
        List<Thread> fencing = new ArrayList<>();
        for (int slot = 1; slot < workerLimit; slot++) {
            String id = clientId + "-" + slot;
            fencing.add(Thread.ofVirtual().name("eddy-fence-" + id).start(() -> {
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        ClientConfigs.transactionalProducer(config, id, id))) {
                    producer.initTransactions();
                } catch (RuntimeException e) {
                    log.warn("Function '{}': could not fence the transactional id '{}' of a former worker ({});"
                            + " a transaction it left open ends at its timeout", definition.name(), id, e.toString());
                }
            }));
        }
        for (Thread thread : fencing) {
            try {
                thread.join(Duration.ofSeconds(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
