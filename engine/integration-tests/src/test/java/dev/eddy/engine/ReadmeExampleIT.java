package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.sdk.Handler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README's example, compiled and run: {@link ReadmeTest} checks that the README shows exactly this code. */
@ExtendWith(EmbeddedKafkaExtension.class)
class ReadmeExampleIT {

    @Test
    void shouldRunTheReadmeExample(TestKafka kafka) {
        kafka.createTopic("words", 3);
        kafka.createTopic("shouted", 3);
        kafka.produce(List.of(new ProducerRecord<>("words", null, "hello".getBytes(StandardCharsets.UTF_8))));

        String bootstrapServers = kafka.bootstrapServers();
        // README: begin
        Handler shout = (event, ctx) -> ctx.emit(event.withValue(event.valueAsString().toUpperCase() + "!"));

        FunctionDefinition function = FunctionDefinition.builder("shout")
                .input("words")
                .output("shouted")
                .handler(shout)
                .build();

        try (Engine engine = new Engine(EngineConfig.forBootstrapServers(bootstrapServers), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            // README: end
            await().atMost(Duration.ofSeconds(60)).until(() -> running.stats().emitted() == 1);
        }
        assertEquals("HELLO!", new String(kafka.readAll("shouted").get(0).value(), StandardCharsets.UTF_8));
    }
}
