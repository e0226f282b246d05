package dev.eddy.engine.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs {@code ./eddy} in this JVM and gives what it printed. */
final class CommandLines {

    private CommandLines() {
    }

    /** What the command printed on standard output; it must succeed. */
    static String ok(String... args) {
        String[] printed = new String[2];
        int status = run(printed, args);
        assertEquals(0, status, printed[0] + printed[1]);
        return printed[0];
    }

    /** What the command printed on standard error; it must fail. */
    static String failing(String... args) {
        String[] printed = new String[2];
        int status = run(printed, args);
        assertTrue(status != 0, "it succeeded: " + printed[0]);
        return printed[1];
    }

    private static int run(String[] printed, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            status = dev.eddy.engine.cli.EddyCli.commandLine().execute(args);
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
        printed[0] = out.toString(StandardCharsets.UTF_8);
        printed[1] = err.toString(StandardCharsets.UTF_8);
        return status;
    }
}
