package dev.eddy.adapters.logs;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.AdapterKafka;
import dev.eddy.adapters.AtomicPublisher;
import dev.eddy.adapters.EventPublisher;
import dev.eddy.adapters.PublishingAdapter;
import dev.eddy.adapters.Settings;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.LogRecord;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tails log files into Kafka, exactly once across crashes: a file's complete lines and its new position are
 * published in one Kafka transaction, and a restarted adapter goes on from the positions in Kafka. A file is known
 * by its content, not its name — the hash of its first line — so that it is followed through a rename (rotation)
 * and a copy (copytruncate: the copy goes on where the original was, the truncated original starts again); give a
 * glob that also matches the rotated names ({@code app.log*}) so that lines written just before a rotation are read
 * from where they went. A line without its newline yet is held back until it is complete; with a {@code multiline}
 * pattern, lines that match it join the event before them (a stack trace), and an event is published when the next
 * one starts or the file has been quiet for {@code flushAfter}.
 */
public final class LogAdapter extends PublishingAdapter {

    private static final Logger log = LoggerFactory.getLogger(LogAdapter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A first line is read up to this many bytes to know the file by. */
    private static final int IDENTITY_BYTES = 1024;
    /** At most this much of a file is read into one transaction. */
    private static final int CHUNK_BYTES = 1024 * 1024;

    /** One glob of files, where its lines go and how they are read. */
    record Source(Path directory, PathMatcher names, String glob, String topic, LineParser.Format format,
            Pattern multiline) {
    }

    /** What is known of a file (by identity): read up to, committed up to, and an event still collecting lines. */
    private static final class Followed {
        long readTo;
        long committed;
        StringBuilder pending;
        long pendingStart;
        long pendingSince;
        String path;
    }

    private final List<Source> sources;
    private final String positionsTopic;
    /** This adapter's positions are its own: keyed by its name, then the file's identity. */
    private final String positionPrefix;
    private final Duration pollInterval;
    private final Duration flushAfter;
    private final String host;
    private final Map<String, Followed> files = new HashMap<>();
    private final Thread loop;
    /** The syslog listener, when configured. */
    private SyslogReceiver syslog;
    private volatile boolean closing;

    private LogAdapter(List<Source> sources, AtomicPublisher publisher, String positionsTopic, String name,
            Duration pollInterval, Duration flushAfter, Map<String, Long> positions) {
        super(publisher);
        this.sources = sources;
        this.positionsTopic = positionsTopic;
        this.positionPrefix = name + "/";
        this.pollInterval = pollInterval;
        this.flushAfter = flushAfter;
        String hostName;
        try {
            hostName = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            hostName = "localhost";
        }
        this.host = hostName;
        positions.forEach((identity, position) -> {
            Followed followed = new Followed();
            followed.readTo = position;
            followed.committed = position;
            files.put(identity, followed);
        });
        this.loop = Thread.ofPlatform().name("eddy-logs").unstarted(this::run);
    }

    /**
     * Reads the positions, checks the topics and starts following the files.
     *
     * @throws AdapterException naming what is wrong
     */
    public static LogAdapter start(Settings logs, EventPublisher.Options options, MeterRegistry meters) {
        logs.only("name", "positionsTopic", "pollInterval", "flushAfter", "files", "syslog");
        List<Source> sources = new ArrayList<>();
        for (Settings file : logs.list("files")) {
            sources.add(source(file));
        }
        if (sources.isEmpty() && !logs.has("syslog")) {
            throw AdapterException.invalid(logs.at("files"), null, "at least one glob of files (path, topic), or"
                    + " syslog:");
        }
        // Its transactional id: each adapter its own (one per host, as a DaemonSet runs them), the same across restarts.
        String name = logs.text("name", "eddy-logs-" + dev.eddy.adapters.AdapterInstance.name());
        String positionsTopic = logs.text("positionsTopic", "eddy.logs.positions");
        // The publisher first: it aborts what a killed former instance left open, so that the positions read are
        // the last committed ones. (One with the same name still running is fenced, and stops.)
        AtomicPublisher publisher = new AtomicPublisher(options, name, meters);
        Map<String, Long> positions;
        try {
            positions = readPositions(options, positionsTopic, name);
            publisher.check(sources.stream().map(Source::topic).distinct().toList());
        } catch (RuntimeException e) {
            publisher.close();
            throw e;
        }
        LogAdapter adapter = new LogAdapter(sources, publisher, positionsTopic, name,
                logs.duration("pollInterval", Duration.ofMillis(250), Duration.ofMillis(10), Duration.ofMinutes(1)),
                logs.duration("flushAfter", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(10)),
                positions);
        if (logs.has("syslog")) {
            try {
                adapter.syslog = SyslogReceiver.start(logs.section("syslog"), publisher);
            } catch (RuntimeException e) {
                publisher.close();
                throw e;
            }
        }
        adapter.loop.start();
        log.info("Following {} ({} positions known)", sources.stream().map(Source::glob).toList(), positions.size());
        return adapter;
    }

    private static Source source(Settings file) {
        file.only("path", "topic", "format", "multiline");
        String glob = file.requiredText("path", "a file or a glob of files, such as /var/log/app/app.log*");
        Path pattern = Path.of(glob).toAbsolutePath();
        Path directory = pattern.getParent();
        if (directory == null || directory.toString().matches(".*[*?\\[{].*")) {
            throw AdapterException.invalid(file.at("path"), glob, "a directory without wildcards, then a file name"
                    + " that may have them (/var/log/app/app.log*)");
        }
        Pattern multiline = null;
        String continuation = file.text("multiline", null);
        if (continuation != null) {
            try {
                multiline = Pattern.compile(continuation);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw AdapterException.invalid(file.at("multiline"), continuation, "a regular expression matching"
                        + " the lines that continue an event, such as '^\\s' (" + e.getDescription() + ")");
            }
        }
        return new Source(directory, FileSystems.getDefault().getPathMatcher("glob:" + pattern.getFileName()), glob,
                file.requiredText("topic", "the Kafka topic its lines go to"),
                file.choice("format", LineParser.Format.class, LineParser.Format.PLAIN), multiline);
    }

    private void run() {
        while (!closing) {
            try {
                for (Source source : sources) {
                    follow(source);
                }
                Thread.sleep(pollInterval.toMillis()); // the interval between looks at the files
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("Following the files failed ({}); trying again", e.toString());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** Reads what is new in each file of the source, one transaction per file and chunk. */
    private void follow(Source source) throws InterruptedException {
        Map<String, Path> byIdentity = new HashMap<>();
        Map<String, Long> sizes = new HashMap<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(source.directory(),
                entry -> source.names().matches(entry.getFileName()) && Files.isRegularFile(entry))) {
            for (Path path : listing) {
                String identity = identity(path);
                long size = Files.size(path);
                if (identity != null && size > sizes.getOrDefault(identity, -1L)) {
                    byIdentity.put(identity, path); // a copy being made and its original: the fuller one
                    sizes.put(identity, size);
                }
            }
        } catch (IOException e) {
            log.debug("Cannot list {}: {}", source.directory(), e.toString());
            return;
        }
        for (Map.Entry<String, Path> file : byIdentity.entrySet()) {
            Followed followed = files.computeIfAbsent(file.getKey(), id -> new Followed());
            followed.path = file.getValue().toString();
            long size = sizes.get(file.getKey());
            while (followed.readTo < size && !closing) {
                if (!read(source, file.getKey(), file.getValue(), followed, size)) {
                    break;
                }
            }
            flushQuiet(source, file.getKey(), followed);
        }
    }

    /** Reads one chunk of complete lines and publishes them with the new position; false when there was none. */
    private boolean read(Source source, String identity, Path path, Followed followed, long size)
            throws InterruptedException {
        byte[] chunk;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, size - followed.readTo));
            channel.read(buffer, followed.readTo);
            chunk = java.util.Arrays.copyOf(buffer.array(), buffer.position());
        } catch (IOException e) {
            return false; // gone (rotated away and removed): what is left of it is read under its new name
        }
        int end = lastNewline(chunk);
        if (end < 0) {
            return false; // no complete line yet: held back
        }
        List<AtomicPublisher.Outgoing> records = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= end; i++) {
            if (chunk[i] == '\n') {
                int lineEnd = i > start && chunk[i - 1] == '\r' ? i - 1 : i;
                String line = new String(chunk, start, lineEnd - start, StandardCharsets.UTF_8);
                long offset = followed.readTo + start;
                take(source, identity, path, followed, line, offset, records);
                start = i + 1;
            }
        }
        long readTo = followed.readTo + end + 1;
        long committed = followed.pending != null ? followed.pendingStart : readTo;
        publish(identity, path, records, committed);
        followed.readTo = readTo;
        followed.committed = committed;
        return true;
    }

    /** One line: an event of its own, or part of the one collecting lines. */
    private void take(Source source, String identity, Path path, Followed followed, String line, long offset,
            List<AtomicPublisher.Outgoing> records) {
        if (source.multiline() == null) {
            records.add(event(source, identity, path, line, offset));
            return;
        }
        if (followed.pending != null && source.multiline().matcher(line).find()) {
            followed.pending.append('\n').append(line);
        } else {
            if (followed.pending != null) {
                records.add(event(source, identity, path, followed.pending.toString(), followed.pendingStart));
            }
            followed.pending = new StringBuilder(line);
            followed.pendingStart = offset;
        }
        followed.pendingSince = System.nanoTime();
    }

    /** An event that collected lines and has had no more for {@code flushAfter} is published. */
    private void flushQuiet(Source source, String identity, Followed followed) throws InterruptedException {
        if (followed.pending == null || System.nanoTime() - followed.pendingSince < flushAfter.toNanos()) {
            return;
        }
        Path path = Path.of(followed.path);
        List<AtomicPublisher.Outgoing> records = new ArrayList<>();
        records.add(event(source, identity, path, followed.pending.toString(), followed.pendingStart));
        publish(identity, path, records, followed.readTo);
        followed.pending = null;
        followed.committed = followed.readTo;
    }

    private AtomicPublisher.Outgoing event(Source source, String identity, Path path, String text, long offset) {
        LogRecord record = LineParser.parse(source.format(), text).setHost(host).setFile(path.toString())
                .setOffset(offset).build();
        Envelope event = Envelope.newBuilder()
                .setId(identity + ":" + offset)
                .setSource("file://" + host + path.toAbsolutePath())
                .setType("dev.eddy.log.line")
                .setTime(record.getTimestamp() != null ? record.getTimestamp() : Instant.now())
                .setSubject(path.getFileName().toString())
                .setData(record)
                .build();
        return publisher.event(source.topic(), source.glob(), event); // one key a glob: its lines stay in order
    }

    /** Publishes the events with the file's new position, all or nothing; waits for the commit. */
    private void publish(String identity, Path path, List<AtomicPublisher.Outgoing> records, long position)
            throws InterruptedException {
        List<AtomicPublisher.Outgoing> group = new ArrayList<>(records);
        try {
            group.add(AtomicPublisher.record(new ProducerRecord<>(positionsTopic, 0,
                    (positionPrefix + identity).getBytes(StandardCharsets.UTF_8), JSON.writeValueAsBytes(Map.of("position", position,
                            "path", path.toString())))));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                publisher.publishAndWait(group, java.time.Duration.ofSeconds(60));
                publisher.received(records.size());
                return;
            } catch (ExecutionException | TimeoutException e) {
                if (closing) {
                    throw new InterruptedException("closing");
                }
                log.warn("Kafka did not take the lines of {} (attempt {}): {}; trying again", path, attempt,
                        e.toString());
                Thread.sleep(Math.min(30_000, 500L * attempt)); // backoff before the same lines are tried again
            }
        }
    }

    private static int lastNewline(byte[] chunk) {
        for (int i = chunk.length - 1; i >= 0; i--) {
            if (chunk[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** A file's identity: the hash of its first line; null while it has no complete first line. */
    static String identity(Path path) {
        byte[] head = new byte[IDENTITY_BYTES];
        int length;
        try (var in = Files.newInputStream(path)) {
            length = in.readNBytes(head, 0, IDENTITY_BYTES);
        } catch (IOException e) {
            return null;
        }
        int newline = -1;
        for (int i = 0; i < length; i++) {
            if (head[i] == '\n') {
                newline = i;
                break;
            }
        }
        if (newline < 0 && length < IDENTITY_BYTES) {
            return null;
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(head, 0, newline < 0 ? length : newline + 1);
            return HexFormat.of().formatHex(sha.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The committed position of each file the adapter has read, from the positions topic (created when missing). */
    /**
     * The positions of the files this adapter read (its name, then a file's identity, is the key: adapters on other
     * hosts share the topic, and files on two hosts may begin with the same line).
     */
    private static Map<String, Long> readPositions(EventPublisher.Options options, String topic, String name) {
        AdapterKafka.createTopic(options, topic, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                TopicConfig.CLEANUP_POLICY_COMPACT));
        Map<String, Long> positions = new HashMap<>();
        String prefix = name + "/";
        // Up to the last position written: another adapter's transaction left open by a crash holds the committed
        // end back (and so this adapter's own later positions) until Kafka aborts it.
        AdapterKafka.readWhole(options, topic, AtomicPublisher.TRANSACTION_TIMEOUT.plusSeconds(15), record -> {
            String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
            if (key.startsWith(prefix) && record.value() != null) {
                try {
                    positions.put(key.substring(prefix.length()),
                            JSON.readTree(record.value()).path("position").asLong());
                } catch (IOException e) {
                    // not a position: skipped
                }
            }
        });
        return positions;
    }

    /** The syslog listener's ports (for tests): UDP, TCP. */
    int[] syslogPorts() {
        return new int[] {syslog.udpPort(), syslog.tcpPort()};
    }

    /** Stops following (what was read is committed), and lets go of Kafka. */
    @Override
    public void close() {
        closing = true;
        if (syslog != null) {
            syslog.close();
        }
        loop.interrupt();
        try {
            loop.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publisher.close(Duration.ofSeconds(10));
    }
}
