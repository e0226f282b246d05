package dev.eddy.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/** {@code ./eddy topics} and {@code ./eddy produce} on a real broker, as a user types them. */
@ExtendWith(EmbeddedKafkaExtension.class)
class TopicsCommandIT {

    @Test
    void shouldCreateListDescribeAndDeleteTopicsAndNameAMissingOne(TestKafka kafka) {
        String topic = kafka.uniqueName("orders");
        String bootstrap = "--bootstrap-servers=" + kafka.bootstrapServers();

        Run created = run("topics", "create", topic, "--partitions", "3", "--config", "retention.ms=3600000", bootstrap);
        assertEquals(0, created.status(), created.err());
        assertEquals("Created " + topic + " (3 partitions)", created.out().strip());
        Run again = run("topics", "create", topic, "--partitions", "3", bootstrap);
        assertEquals(topic + " exists (3 partitions)", again.out().strip());

        assertEquals(0, run("produce", topic, "a", "b", "c", bootstrap).status());
        Run listed = run("topics", "list", bootstrap);
        assertTrue(listed.out().lines().anyMatch(line -> line.matches(java.util.regex.Pattern.quote(topic)
                + " +3 +3")), listed.out());
        Run described = run("topics", "describe", topic, bootstrap);
        assertTrue(described.out().startsWith(topic + ": 3 partitions"), described.out());
        assertTrue(described.out().contains("retention.ms=3600000"), described.out());

        Run missing = run("produce", topic + "-nope", "x", bootstrap);
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("Topic '" + topic + "-nope' does not exist")
                && missing.err().contains("./eddy topics create " + topic + "-nope"), missing.err());

        assertEquals(0, run("topics", "delete", topic, bootstrap).status());
        Run gone = run("topics", "describe", topic, bootstrap);
        assertEquals(1, gone.status());
        assertTrue(gone.err().contains("does not exist"), gone.err());
    }

    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = EddyCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int status = cli.execute(args);
        return new Run(status, out.toString(), err.toString());
    }
}
