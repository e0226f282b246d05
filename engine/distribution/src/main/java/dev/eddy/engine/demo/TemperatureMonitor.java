package dev.eddy.engine.demo;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Environment;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Output;
import dev.eddy.sdk.StateSpec;
import dev.eddy.sdk.TypedHandler;
import dev.eddy.sdk.ValueState;
import dev.eddy.sdk.events.AdapterEvents;
import dev.eddy.sdk.events.Telemetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's IoT function. For each device's temperature reading — the MQTT adapter's telemetry, or a device's own
 * JSON such as {@code {"device":"d-7","celsius":21.5}} (both read by {@link AdapterEvents#telemetry()}; the
 * reading named {@code celsius}, {@code temp} or {@code temperature}, in °C unless its unit is {@code [degF]}) — it
 * keeps the device's last few readings in keyed state, emits the checked reading with their rolling average to its
 * default output, and an alert to its {@code alerts} output when the average rises above the threshold (config
 * {@code threshold}, in °C, 75 unless set; {@code window}, readings averaged, 5 unless set) — once per episode, not
 * for every reading while it stays above. Telemetry without a temperature (humidity, say) is passed over; an event
 * that is not telemetry at all cannot be decoded: the engine dead-letters it as {@code UNDECODABLE}.
 */
public final class TemperatureMonitor implements TypedHandler<Telemetry> {

    /** The output alerts go to. */
    public static final Output<Alert> ALERTS = Output.named("alerts", Codec.json(Alert.class));
    /** The default output: every reading, checked. */
    public static final Output<Checked> CHECKED = Output.of(Codec.json(Checked.class));
    /** Each device's last readings, and whether it is alerting; forgotten after an hour without readings. */
    public static final ValueState<Recent> RECENT = ValueState.named("recent", Codec.json(Recent.class))
            .expireAfterAccess(Duration.ofHours(1));
    /** The names a temperature reading goes by. */
    private static final String[] TEMPERATURE = {"celsius", "temp", "temperature"};

    private double thresholdCelsius;
    private int window;

    /** A reading once checked, with the rolling average of the device's last readings. */
    public record Checked(String device, double celsius, double fahrenheit, double average, boolean alert) {
    }

    /** A device whose rolling average rose above the threshold. */
    public record Alert(String device, double average, double threshold) {
    }

    /** A device's state: its last readings, oldest first, and whether its average is above the threshold. */
    public record Recent(List<Double> celsius, boolean alerting) {
    }

    @Override
    public void open(Environment environment) {
        thresholdCelsius = environment.config().number("threshold", 75.0);
        window = environment.config().integer("window", 5);
        if (window < 1 || window > 1000) {
            throw new IllegalArgumentException("config 'window' is " + window + ": readings averaged, 1 to 1000");
        }
    }

    @Override
    public Codec<Telemetry> input() {
        return AdapterEvents.telemetry();
    }

    @Override
    public List<StateSpec> state() {
        return List.of(RECENT);
    }

    @Override
    public void handle(Telemetry telemetry, Event event, Context context) {
        java.util.Optional<Telemetry.Reading> temperature = telemetry.reading(TEMPERATURE);
        if (temperature.isEmpty()) {
            return; // another quantity (humidity, say): not this function's concern
        }
        Telemetry.Reading reading = temperature.get();
        double celsius = "[degF]".equals(reading.unit()) ? round((reading.value() - 32) * 5 / 9) : reading.value();
        Recent before = context.state().get(RECENT).orElse(new Recent(List.of(), false));
        List<Double> last = new ArrayList<>(before.celsius());
        last.add(celsius);
        if (last.size() > window) {
            last.subList(0, last.size() - window).clear();
        }
        double average = round(last.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
        boolean alerting = average > thresholdCelsius;
        context.state().set(RECENT, new Recent(last, alerting));

        String device = telemetry.device();
        Event keyed = event.withKey(device);
        double fahrenheit = round(celsius * 9 / 5 + 32);
        context.emit(CHECKED, keyed, new Checked(device, celsius, fahrenheit, average, alerting));
        if (alerting && !before.alerting()) {
            context.emit(ALERTS, keyed, new Alert(device, average, thresholdCelsius));
        }
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
