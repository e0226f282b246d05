package dev.eddy.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./eddy manifest FILE}: what the manifest makes of the function, its delivery, order and concurrency too. */
class ManifestCommandTest {

    @Test
    void shouldShowTheDeliveryOrderingAndConcurrency(@TempDir Path dir) throws Exception {
        Path given = Files.writeString(dir.resolve("given.yaml"), "name: counter\nhandler: com.example.Counter\n"
                + "inputs: [in]\nordering: partition\nmaxConcurrency: 7\ndelivery: exactly-once\n");
        String said = run(given);
        assertTrue(said.contains("PARTITION order, max concurrency 7, delivery EXACTLY_ONCE"), said);

        Path defaults = Files.writeString(dir.resolve("defaults.yaml"), "name: counter\nhandler: com.example.Counter\n"
                + "inputs: [in]\n");
        said = run(defaults);
        assertTrue(said.contains("KEY order, max concurrency "), said);
        assertTrue(said.contains("delivery AT_LEAST_ONCE (EXACTLY_ONCE for a windowed function) unless given"), said);
    }

    private static String run(Path manifest) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int status;
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            status = EddyCli.commandLine().execute("manifest", manifest.toString());
        } finally {
            System.setOut(original);
        }
        String text = printed.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, text);
        return text;
    }
}
