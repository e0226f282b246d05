package dev.eddy.engine.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;

/**
 * The demo's IoT function. For each temperature reading ({@code {"device":"d-7","celsius":21.5}}) it emits the
 * checked reading, with Fahrenheit and an alert flag, to its default output, and an alert to its {@code alerts}
 * output when the temperature is above the threshold. A reading that is not such JSON fails.
 */
public final class TemperatureMonitor implements Handler {

    /** The output alerts go to. */
    public static final String ALERTS = "alerts";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final double thresholdCelsius;

    public TemperatureMonitor(double thresholdCelsius) {
        this.thresholdCelsius = thresholdCelsius;
    }

    @Override
    public void handle(Event event, Context context) throws Exception {
        JsonNode reading = JSON.readTree(event.value());
        if (reading == null || !reading.path("device").isTextual() || !reading.path("celsius").isNumber()) {
            throw new IllegalArgumentException("not a reading: expected {\"device\": <text>, \"celsius\": <number>}");
        }
        String device = reading.get("device").asText();
        double celsius = reading.get("celsius").asDouble();
        boolean alert = celsius > thresholdCelsius;

        ObjectNode checked = JSON.createObjectNode()
                .put("device", device)
                .put("celsius", celsius)
                .put("fahrenheit", Math.round((celsius * 9 / 5 + 32) * 100) / 100.0)
                .put("alert", alert);
        context.emit(event.withKey(device).withValue(JSON.writeValueAsBytes(checked)));
        if (alert) {
            ObjectNode alertBody = JSON.createObjectNode()
                    .put("device", device)
                    .put("celsius", celsius)
                    .put("threshold", thresholdCelsius);
            context.emit(ALERTS, event.withKey(device).withValue(JSON.writeValueAsBytes(alertBody)));
        }
    }
}
