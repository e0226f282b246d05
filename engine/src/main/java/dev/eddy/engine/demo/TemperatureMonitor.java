package dev.eddy.engine.demo;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Environment;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Output;
import dev.eddy.sdk.TypedHandler;

/**
 * The demo's IoT function. For each temperature reading ({@code {"device":"d-7","celsius":21.5}}) it emits the
 * checked reading, with Fahrenheit and an alert flag, to its default output, and an alert to its {@code alerts}
 * output when the temperature is above the threshold (config {@code threshold}, in °C; 75 unless set). A reading
 * that is not such JSON cannot be decoded: the engine dead-letters it as {@code UNDECODABLE}.
 */
public final class TemperatureMonitor implements TypedHandler<TemperatureMonitor.Reading> {

    /** The output alerts go to. */
    public static final Output<Alert> ALERTS = Output.named("alerts", Codec.json(Alert.class));
    /** The default output: every reading, checked. */
    public static final Output<Checked> CHECKED = Output.of(Codec.json(Checked.class));
    private static final Codec<Reading> READINGS = Codec.json(Reading.class);

    private double thresholdCelsius;

    /** A device's reading. */
    public record Reading(String device, Double celsius) {
        public Reading {
            if (device == null || device.isBlank() || celsius == null) {
                throw new IllegalArgumentException("a reading is {\"device\": <text>, \"celsius\": <number>}");
            }
        }
    }

    /** A reading once checked. */
    public record Checked(String device, double celsius, double fahrenheit, boolean alert) {
    }

    /** A reading above the threshold. */
    public record Alert(String device, double celsius, double threshold) {
    }

    @Override
    public void open(Environment environment) {
        thresholdCelsius = environment.config().number("threshold", 75.0);
    }

    @Override
    public Codec<Reading> input() {
        return READINGS;
    }

    @Override
    public void handle(Reading reading, Event event, Context context) {
        boolean alert = reading.celsius() > thresholdCelsius;
        Event keyed = event.withKey(reading.device());
        double fahrenheit = Math.round((reading.celsius() * 9 / 5 + 32) * 100) / 100.0;
        context.emit(CHECKED, keyed, new Checked(reading.device(), reading.celsius(), fahrenheit, alert));
        if (alert) {
            context.emit(ALERTS, keyed, new Alert(reading.device(), reading.celsius(), thresholdCelsius));
        }
    }
}
