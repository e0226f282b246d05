package dev.eddy.engine.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FunctionLoggerTest {

    @Test
    void shouldSendStructuredLinesWithTheCallAndTraceTheyWereLoggedIn() {
        List<LogLine> lines = new ArrayList<>();
        FunctionLogger environment = new FunctionLogger("greeter", "1.2.0", "node-a", lines::add);
        String[] invocation = {null};
        int[] attempt = {1};
        FunctionLogger calls = environment.forCalls(new FunctionLogger.Call() {
            @Override
            public String invocation() {
                return invocation[0];
            }

            @Override
            public String traceId() {
                return "4bf92f3577b34da6a3ce929d0e0e4736";
            }

            @Override
            public String spanId() {
                return "00f067aa0ba902b7";
            }

            @Override
            public int attempt() {
                return attempt[0];
            }
        });

        environment.log(System.Logger.Level.INFO, "opened");
        invocation[0] = "greeter.in:2:17";
        calls.log(System.Logger.Level.WARNING, "greeting {0} of {1}", "ada", 3);
        calls.log(System.Logger.Level.ERROR, "failed", new IllegalStateException("boom"));
        calls.log(System.Logger.Level.DEBUG, "not kept unless the engine's log takes DEBUG");

        assertTrue(lines.size() >= 3, lines.toString());
        LogLine opened = lines.get(0);
        assertEquals("INFO", opened.level());
        assertNull(opened.invocation(), "logged outside a call");
        assertNull(opened.traceId());
        LogLine greeting = lines.get(1);
        assertEquals("WARN", greeting.level());
        assertEquals("greeting ada of 3", greeting.message());
        assertEquals("greeter", greeting.function());
        assertEquals("1.2.0", greeting.version());
        assertEquals("node-a", greeting.engine());
        assertEquals("greeter.in:2:17", greeting.invocation());
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", greeting.traceId());
        assertEquals("00f067aa0ba902b7", greeting.spanId());
        LogLine failed = lines.get(2);
        assertTrue(failed.error().startsWith("java.lang.IllegalStateException: boom"), failed.error());

        LogLine read = LogLine.fromJson(greeting.toJson());
        assertEquals(greeting, read);
        assertTrue(new String(greeting.toJson(), java.nio.charset.StandardCharsets.UTF_8).contains("\"trace_id\":"));
        assertTrue(read.format().endsWith("greeter@1.2.0 [greeter.in:2:17 trace=4bf92f3577b34da6a3ce929d0e0e4736]"
                + " greeting ada of 3"), read.format());
    }

    @Test
    void shouldLogAFailedCallWithItsAttemptAndExceptionAndNoMoreThanTwentyASecond() {
        List<LogLine> lines = new ArrayList<>();
        int[] attempt = {2};
        FunctionLogger calls = new FunctionLogger("greeter", "1", "node-a", lines::add)
                .forCalls(new FunctionLogger.Call() {
                    @Override
                    public String invocation() {
                        return "greeter.in:0:5";
                    }

                    @Override
                    public String traceId() {
                        return null;
                    }

                    @Override
                    public String spanId() {
                        return null;
                    }

                    @Override
                    public int attempt() {
                        return attempt[0];
                    }
                });
        calls.failed(new IllegalArgumentException("nobody to greet"));
        LogLine failed = lines.get(0);
        assertEquals("WARN", failed.level());
        assertEquals(2, failed.attempt());
        assertTrue(failed.message().equals("the call failed on attempt 2: java.lang.IllegalArgumentException: nobody"
                + " to greet"), failed.message());
        assertTrue(failed.error().startsWith("java.lang.IllegalArgumentException: nobody to greet"), failed.error());
        assertTrue(failed.format().contains("[greeter.in:0:5 attempt 2]"), failed.format());

        for (int i = 0; i < 100; i++) {
            calls.failed(new IllegalStateException("again"));
        }
        assertTrue(lines.size() <= 41, "at most 20 a second: " + lines.size()); // the test may cross a second
    }
}
