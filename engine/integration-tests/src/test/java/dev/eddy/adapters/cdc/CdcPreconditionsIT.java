package dev.eddy.adapters.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.cli.EddyCli;
import dev.eddy.engine.testing.servers.PostgresProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CDC adapter against a PostgreSQL that cannot give it changes (wal_level=replica, a user without the right to
 * replicate, nothing listening): it stops within seconds, before Debezium starts, with exit status 2 and one line
 * naming what to change.
 */
class CdcPreconditionsIT {

    @Test
    void shouldStopAtOnceNamingWalLevelWhenItIsNotLogical(@TempDir Path dir) throws Exception {
        try (PostgresProcess replica = PostgresProcess.start(dir.resolve("pg"), Map.of("wal_level", "replica"))) {
            Result result = run(dir, replica.port(), "postgres");
            System.out.printf("[cdc] wal_level=replica: exit %d after %.2f s: %s", result.status(), result.seconds(),
                    result.printed());
            assertEquals(2, result.status(), result.printed());
            assertTrue(result.seconds() < 5, "stopped within 5 s, not " + result.seconds());
            assertTrue(result.printed().contains("wal_level=replica") && result.printed().contains("wal_level=logical"),
                    result.printed());
            assertEquals(1, result.printed().strip().lines().count(), "one line, no stack trace: " + result.printed());
        }
    }

    @Test
    void shouldStopAtOnceWhenTheUserMayNotReplicateOrNothingAnswers(@TempDir Path dir) throws Exception {
        try (PostgresProcess postgres = PostgresProcess.start(dir.resolve("pg"))) {
            try (var db = java.sql.DriverManager.getConnection(postgres.jdbcUrl());
                    var sql = db.createStatement()) {
                sql.execute("CREATE ROLE reader LOGIN");
            }
            Result reader = run(dir, postgres.port(), "reader");
            assertEquals(2, reader.status(), reader.printed());
            assertTrue(reader.printed().contains("WITH REPLICATION"), reader.printed());
            int port = postgres.port();
            postgres.close();
            Result nobody = run(dir, port, "postgres");
            assertEquals(2, nobody.status(), nobody.printed());
            assertTrue(nobody.seconds() < 5, "stopped within 5 s, not " + nobody.seconds());
            assertTrue(nobody.printed().contains("Cannot reach PostgreSQL at 127.0.0.1:" + port), nobody.printed());
        }
    }

    private record Result(int status, String printed, double seconds) {
    }

    private static Result run(Path dir, int port, String user) throws Exception {
        Path config = dir.resolve("cdc-" + user + ".yaml");
        Files.writeString(config, String.join("\n",
                "kafka:",
                "  bootstrapServers: 127.0.0.1:9",
                "cdc:",
                "  port: " + port,
                "  database: test",
                "  user: " + user,
                "  tables: [public.orders]", ""));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        long start = System.nanoTime();
        int status;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            status = EddyCli.commandLine().execute("trigger", "cdc", "--config", config.toString(),
                    "--metrics-port", "-1");
        } finally {
            System.setErr(original);
        }
        return new Result(status, err.toString(StandardCharsets.UTF_8), (System.nanoTime() - start) / 1e9);
    }
}
