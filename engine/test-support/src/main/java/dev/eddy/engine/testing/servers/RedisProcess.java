package dev.eddy.engine.testing.servers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A Redis server of the test's own: nothing kept on disk, on a free port of 127.0.0.1. */
public final class RedisProcess extends ServerProcess {

    private RedisProcess(Process process, int port, Path log) {
        super("redis-server", process, port, log);
    }

    public static RedisProcess start(Path dir) throws IOException, InterruptedException {
        String binary = binary("redis-server", "redis-server", "/usr/bin/redis-server", "/usr/local/bin/redis-server");
        int port = freePort();
        Path log = dir.resolve("redis.log");
        Process process = launch("redis-server", List.of(binary, "--bind", "127.0.0.1", "--port",
                String.valueOf(port), "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir",
                dir.toString()), port, log);
        return new RedisProcess(process, port, log);
    }

    /** The URL the Redis state store takes. */
    public String url() {
        return "redis://127.0.0.1:" + port();
    }
}
