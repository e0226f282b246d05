package dev.eddy.engine.testing.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A Mosquitto broker of the test's own, on a free port of 127.0.0.1, with no limit on the messages it queues for a
 * client that is away (Mosquitto's default keeps 1,000 and drops the rest, which would lose messages a test counts
 * while its adapter is down), and 100 in flight to a client (2.0.11 with no limit there ignores a client's receive
 * maximum when it resends at reconnection).
 */
public final class MosquittoProcess extends ServerProcess {

    private MosquittoProcess(Process process, int port, Path log) {
        super("mosquitto", process, port, log);
    }

    public static MosquittoProcess start(Path dir) throws IOException, InterruptedException {
        return start(dir, List.of("max_queued_messages 0", "max_inflight_messages 100"));
    }

    /** A broker with Mosquitto's own limits: 1,000 messages queued for a session that is away, 20 in flight. */
    public static MosquittoProcess startWithDefaultLimits(Path dir) throws IOException, InterruptedException {
        return start(dir, List.of());
    }

    private static MosquittoProcess start(Path dir, List<String> limits) throws IOException, InterruptedException {
        String binary = binary("mosquitto", "mosquitto", "/usr/sbin/mosquitto", "/usr/bin/mosquitto",
                "/usr/local/sbin/mosquitto");
        int port = freePort();
        Files.createDirectories(dir);
        Path config = dir.resolve("mosquitto.conf");
        List<String> lines = new java.util.ArrayList<>(List.of("listener " + port + " 127.0.0.1",
                "allow_anonymous true", "persistence false", "log_dest stdout"));
        lines.addAll(limits);
        Files.writeString(config, String.join("\n", lines) + "\n");
        Path log = dir.resolve("mosquitto.log");
        return new MosquittoProcess(launch("mosquitto", List.of(binary, "-c", config.toString()), port, log), port,
                log);
    }

    public String url() {
        return "tcp://127.0.0.1:" + port();
    }
}
