package dev.eddy.adapters.timer;

import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.AdapterKafka;
import dev.eddy.adapters.AdapterMeters;
import dev.eddy.adapters.EventPublisher;
import dev.eddy.adapters.EventWriter;
import dev.eddy.adapters.KafkaHealth;
import dev.eddy.adapters.TriggerAdapter;
import dev.eddy.adapters.Settings;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.TimerTick;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires schedules as events, once per tick however many timers run: every timer of a group joins one Kafka consumer
 * group on a one-partition state topic, and the one the partition is assigned to fires. Each tick goes out in a
 * Kafka transaction with the schedule's new state (its last tick, in the state topic) and the group's offset for the
 * state partition — so a timer that lost the partition without knowing it (frozen, cut off) is fenced by the group's
 * generation and cannot fire a tick the new owner fires too, and the new owner reads where the old one stopped.
 *
 * <p>A schedule's first tick is its first due time after the timer starts. Ticks that fell due while no timer ran
 * are skipped but for the latest ({@code missed: skip}), or each fired, oldest first ({@code missed: catch-up}).
 */
public final class TimerAdapter implements TriggerAdapter {

    private static final Logger log = LoggerFactory.getLogger(TimerAdapter.class);
    /** A tick's transaction left open by a timer that died is aborted after this; its successor waits that long. */
    private static final Duration TRANSACTION_TIMEOUT = Duration.ofSeconds(10);

    private final TimerSettings settings;
    private final EventPublisher.Options options;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final EventWriter writer;
    private final KafkaHealth health;
    private final TopicPartition statePartition;
    private final Clock clock;
    private final AdapterMeters counts;
    private final Thread loop;
    /** Each schedule's last tick and its number, as the state topic has them; read when the partition comes. */
    private final Map<String, long[]> state = new HashMap<>();
    private volatile boolean leading;
    private volatile boolean closing;

    private TimerAdapter(TimerSettings settings, EventPublisher.Options options, MeterRegistry meters, Clock clock) {
        this.settings = settings;
        this.options = options;
        this.clock = clock;
        this.statePartition = new TopicPartition(settings.stateTopic(), 0);
        Map<String, Object> common = AdapterKafka.clientProps(options);
        Map<String, Object> consumerProps = new HashMap<>(common);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group());
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // How soon a timer that died is noticed and another fires in its place.
        consumerProps.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) settings.takeover().toMillis());
        consumerProps.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) settings.takeover().toMillis() / 4);
        consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(consumerProps);
        Map<String, Object> producerProps = AdapterKafka.producerProps(options, Map.of());
        // Not the configuration's: each timer its own id (the group's generation fences, not the id), and a successor
        // waits this long for a transaction its predecessor left open.
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.group() + "-" + UUID.randomUUID());
        producerProps.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) TRANSACTION_TIMEOUT.toMillis());
        this.producer = new KafkaProducer<>(producerProps);
        producer.initTransactions();
        this.writer = new EventWriter(options);
        this.health = new KafkaHealth(options);
        this.counts = AdapterMeters.register(options.adapter(), meters);
        this.loop = Thread.ofPlatform().name("eddy-timer").unstarted(this::run);
    }

    /**
     * Creates the state topic when missing, checks the schedules' topics, joins the group and starts.
     *
     * @throws AdapterException naming what is wrong
     */
    public static TimerAdapter start(TimerSettings settings, EventPublisher.Options options, MeterRegistry meters) {
        AdapterKafka.createTopic(options, settings.stateTopic(),
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        List<String> topics = settings.schedules().stream().map(Schedule::topic).distinct().toList();
        try (EventPublisher checker = new EventPublisher(options, meters)) {
            checker.checkWithoutDeadLetters(topics);
        }
        TimerAdapter timer = new TimerAdapter(settings, options, meters, Clock.systemUTC());
        timer.consumer.subscribe(List.of(settings.stateTopic()), timer.new Leadership());
        timer.loop.start();
        log.info("Timer '{}' started with schedules {}; it fires while it holds the group's partition",
                settings.group(), settings.schedules().stream().map(s -> s.name() + " (" + s.expression() + ")")
                        .toList());
        return timer;
    }

    /** Whether this timer fires now (holds the state partition). */
    public boolean leading() {
        return leading;
    }

    private final class Leadership implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.contains(statePartition)) {
                readState();
                leading = true;
                log.info("Timer '{}' fires the schedules now", settings.group());
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.contains(statePartition) && leading) {
                leading = false;
                log.info("Timer '{}' stops firing: another timer of the group has the schedules", settings.group());
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            onPartitionsRevoked(partitions);
        }
    }

    private void run() {
        try {
            while (!closing) {
                consumer.poll(Duration.ofMillis(100)); // stays in the group; its records are read in readState
                if (leading) {
                    fireDue();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("Timer '{}' stopped: {}", settings.group(), e.toString(), e);
        }
    }

    /** Fires what is due, each tick in a transaction with its schedule's state and the group's offset. */
    private void fireDue() {
        Instant now = clock.instant();
        for (Schedule schedule : settings.schedules()) {
            long[] last = state.get(schedule.name());
            List<Instant> due = new ArrayList<>();
            if (last == null) {
                // Never fired: the first tick is the first due time from now on.
                state.put(schedule.name(), new long[] {now.toEpochMilli(), 0});
                continue;
            }
            Instant next = schedule.next(Instant.ofEpochMilli(last[0]));
            while (!next.isAfter(now) && due.size() < schedule.maxCatchUp() + 1) {
                due.add(next);
                next = schedule.next(next);
            }
            if (due.isEmpty()) {
                continue;
            }
            if (schedule.missed() == Schedule.Missed.SKIP && due.size() > 1) {
                log.info("Schedule '{}' missed {} ticks while no timer ran; it fires the latest only", schedule.name(),
                        due.size() - 1);
                due = List.of(due.get(due.size() - 1));
            } else if (due.size() > schedule.maxCatchUp()) {
                due = due.subList(due.size() - schedule.maxCatchUp(), due.size());
            }
            for (Instant tick : due) {
                if (!leading || !fire(schedule, tick, now, last[1] + 1)) {
                    return;
                }
                last = state.get(schedule.name());
            }
        }
    }

    private boolean fire(Schedule schedule, Instant tick, Instant now, long sequence) {
        Envelope event = Envelope.newBuilder()
                .setId(schedule.name() + "@" + tick)
                .setSource("eddy://timer/" + settings.group() + "/" + schedule.name())
                .setType("dev.eddy.timer.tick")
                .setTime(tick)
                .setSubject(schedule.name())
                .setData(TimerTick.newBuilder().setSchedule(schedule.name()).setExpression(schedule.expression())
                        .setScheduledAt(tick).setFiredAt(now).setSequence(sequence).build())
                .build();
        counts.received().increment(); // a tick due is an event taken from the schedule
        long start = System.nanoTime();
        try {
            producer.beginTransaction();
            producer.send(writer.record(schedule.topic(), schedule.name(), event,
                    io.opentelemetry.context.Context.root()));
            producer.send(new ProducerRecord<>(settings.stateTopic(), 0,
                    schedule.name().getBytes(StandardCharsets.UTF_8),
                    ByteBuffer.allocate(16).putLong(tick.toEpochMilli()).putLong(sequence).array()));
            producer.sendOffsetsToTransaction(Map.of(statePartition,
                    new OffsetAndMetadata(consumer.position(statePartition))), consumer.groupMetadata());
            producer.commitTransaction();
        } catch (KafkaException e) {
            // Fenced (another timer has the partition now) or Kafka away: the tick is not fired here.
            log.warn("Timer '{}' could not fire {} of '{}': {}", settings.group(), tick, schedule.name(),
                    e.toString());
            try {
                producer.abortTransaction();
            } catch (KafkaException abort) {
                log.debug("Aborting: {}", abort.toString());
            }
            counts.failed().increment();
            leading = false;
            consumer.enforceRebalance(); // learn from the group who holds the partition now
            return false;
        }
        state.put(schedule.name(), new long[] {tick.toEpochMilli(), sequence});
        counts.published().increment();
        counts.latency().record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        return true;
    }

    /**
     * Reads the schedules' state (read_committed) from the state topic's beginning to its end — after any tick's
     * transaction the former holder left open is decided, so that a tick it committed late is not fired again.
     */
    private void readState() {
        Map<String, long[]> read = new LinkedHashMap<>();
        AdapterKafka.readWhole(options, settings.stateTopic(), TRANSACTION_TIMEOUT.plusSeconds(5), record -> {
            if (record.key() != null && record.value() != null && record.value().length == 16) {
                ByteBuffer value = ByteBuffer.wrap(record.value());
                read.put(new String(record.key(), StandardCharsets.UTF_8), new long[] {value.getLong(),
                    value.getLong()});
            }
        });
        state.clear();
        state.putAll(read);
    }

    @Override
    public List<String> problems() {
        return health.problems();
    }

    /** Stops firing and leaves the group, so that another timer of it takes over at once. */
    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        try {
            loop.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(5));
        producer.close(Duration.ofSeconds(5));
        writer.close();
        health.close();
    }

    /** Reads the {@code timer} section. */
    public record TimerSettings(String group, String stateTopic, Duration takeover, List<Schedule> schedules) {
        public static TimerSettings read(Settings timer) {
            timer.only("group", "stateTopic", "takeover", "schedules");
            List<Schedule> schedules = new ArrayList<>();
            for (Settings schedule : timer.list("schedules")) {
                schedules.add(Schedule.read(schedule));
            }
            if (schedules.isEmpty()) {
                throw AdapterException.invalid(timer.at("schedules"), null, "at least one schedule: name, cron or"
                        + " every, topic");
            }
            if (schedules.stream().map(Schedule::name).distinct().count() < schedules.size()) {
                throw new AdapterException("'" + timer.at("schedules") + "': two schedules have the same name");
            }
            return new TimerSettings(timer.text("group", "eddy-timer"), timer.text("stateTopic", "eddy.timer.state"),
                    timer.duration("takeover", Duration.ofSeconds(10), Duration.ofSeconds(6), Duration.ofMinutes(5)),
                    List.copyOf(schedules));
        }
    }
}
