package dev.eddy.engine.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.manifest.Manifest;
import dev.eddy.engine.manifest.ManifestParser;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pool of a Python function's processes (real {@code python3} processes) following the function's workers. */
class LanguageProcessesTest {

    @Test
    void sizesThePoolByWorkersAndCores() {
        LanguageProcesses pool = new LanguageProcesses(manifest(), Path.of("."), null, Map.of(), 2, 3);
        assertEquals(0, pool.sizeFor(0));
        assertEquals(2, pool.sizeFor(1));
        assertEquals(3, pool.sizeFor(2), "no more than the most");
    }

    @Test
    void followsTheWorkersDownToZeroAndStartsAgainForTheFirstCall(@TempDir Path code) throws Exception {
        Files.writeString(code.resolve("main.py"), "def handle(event, ctx):\n    ctx.emit(event.value)\n");
        Manifest manifest = manifest();
        LanguageProcesses pool = new LanguageProcesses(manifest, code,
                LanguageCommand.of(manifest, code, LanguageCommand.sdkHome(), System::getenv),
                Map.of("EDDY_HANDLER", "main", "EDDY_PORT", "0", "EDDY_FUNCTION", "p"), 1, 2);
        try {
            pool.open();
            assertEquals(1, pool.pids().size(), "one worker's processes at the deploy");

            pool.workers(2);
            Set<URI> picked = new HashSet<>();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                picked.add(pool.pick(Duration.ofSeconds(10)));
                return picked.size() == 2;
            });

            java.util.List<Long> running = pool.pids();
            assertEquals(2, running.size());
            pool.workers(0); // scaled to zero
            assertTrue(pool.pids().isEmpty(), "out of the rotation at once");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> running.stream()
                    .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));

            pool.workers(1); // woken: the first call waits for the process
            long began = System.nanoTime();
            URI first = pool.pick(Duration.ofSeconds(30));
            assertNotNull(first);
            assertTrue(System.nanoTime() - began < Duration.ofSeconds(30).toNanos());
            assertEquals(1, pool.pids().size());
            assertEquals(0, pool.restarts(), "a retired process is not started again");
        } finally {
            pool.close();
        }
        assertTrue(pool.pids().isEmpty(), "closed: none left");
    }

    private static Manifest manifest() {
        return ManifestParser.parse("name: p\nruntime: python\nhandler: main\ninputs: [in]\n");
    }
}
