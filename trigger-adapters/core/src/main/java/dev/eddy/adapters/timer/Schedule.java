package dev.eddy.adapters.timer;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.Settings;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * One schedule: a cron expression (five fields, as Unix cron: minute hour day-of-month month day-of-week, in a time
 * zone) or a fixed rate ({@code every: 10s}, counted from the epoch so that every node agrees on the times), the topic
 * its ticks go to, and what happens to ticks missed while no timer ran.
 *
 * @param missed what to do with ticks that fell due while no timer ran
 * @param maxCatchUp at most how many missed ticks a catch-up fires
 */
public record Schedule(String name, String expression, ExecutionTime cron, Duration every, ZoneId zone, String topic,
        Missed missed, int maxCatchUp) {

    /** Ticks that fell due while no timer ran. */
    public enum Missed {
        /** Only the latest of them fires (the schedule goes on from now). The default. */
        SKIP,
        /** Each fires, oldest first, up to {@code maxCatchUp}. */
        CATCH_UP
    }

    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    /** The first time the schedule is due after the given one. */
    public Instant next(Instant after) {
        if (every != null) {
            long period = every.toMillis();
            return Instant.ofEpochMilli((Math.floorDiv(after.toEpochMilli(), period) + 1) * period);
        }
        Optional<ZonedDateTime> next = cron.nextExecution(after.atZone(zone));
        return next.map(ZonedDateTime::toInstant).orElse(Instant.MAX);
    }

    static Schedule read(Settings schedule) {
        schedule.only("name", "cron", "every", "zone", "topic", "missed", "maxCatchUp");
        String name = schedule.requiredText("name", "the schedule's name, also its ticks' key");
        String cron = schedule.text("cron", null);
        boolean hasEvery = schedule.has("every");
        if ((cron == null) == !hasEvery) {
            throw new AdapterException("'" + schedule.at("cron") + "' or '" + schedule.at("every") + "': give exactly"
                    + " one: a cron expression such as '*/5 * * * *', or a rate such as 10s");
        }
        ExecutionTime execution = null;
        Duration every = null;
        if (cron != null) {
            try {
                execution = ExecutionTime.forCron(UNIX.parse(cron));
            } catch (IllegalArgumentException e) {
                throw AdapterException.invalid(schedule.at("cron"), cron, "a cron expression of five fields (minute"
                        + " hour day-of-month month day-of-week), such as '*/5 * * * *': " + e.getMessage());
            }
        } else {
            every = schedule.duration("every", null, Duration.ofMillis(100), Duration.ofDays(365));
        }
        ZoneId zone;
        String zoneName = schedule.text("zone", "UTC");
        try {
            zone = ZoneId.of(zoneName);
        } catch (java.time.DateTimeException e) {
            throw AdapterException.invalid(schedule.at("zone"), zoneName, "a time zone such as UTC or Europe/Berlin");
        }
        return new Schedule(name, cron != null ? cron : "every " + schedule.text("every", ""), execution, every, zone,
                schedule.requiredText("topic", "the Kafka topic its ticks go to"),
                schedule.choice("missed", Missed.class, Missed.SKIP),
                schedule.integer("maxCatchUp", 1000, 1, 1_000_000));
    }
}
