package dev.eddy.sdk.events;

import java.time.Instant;

/**
 * One tick of a schedule, as the timer adapter publishes it ({@link AdapterEvents#timerTicks()} reads it).
 *
 * @param schedule    the schedule's name (also the record key)
 * @param expression  its cron expression or fixed rate, as configured
 * @param scheduledAt when it was due
 * @param firedAt     when it fired
 * @param sequence    the tick's number within its schedule
 */
public record TimerTick(String schedule, String expression, Instant scheduledAt, Instant firedAt, long sequence) {
}
