package dev.eddy.adapters;

import java.util.Locale;

/**
 * How an adapter writes its events to Kafka. Both carry the CloudEvents attributes in {@code ce_*} headers (the
 * CloudEvents Kafka binding).
 *
 * <p>JSON is the default because it is what any reader takes as it is: a function written with {@code
 * Codec.json} or {@code AdapterEvents}, a remote function in any language, a plain Kafka consumer, a Connect sink —
 * none needs a schema registry or an Avro library, as Lambda, Knative and Pulsar hand their functions JSON. Avro is
 * for a team that wants the registry to hold the schema and check its evolution, at about half the bytes.
 */
public enum EventFormat {
    /**
     * CloudEvents binary mode: the event's data is the record's value as JSON ({@code content-type:
     * application/json}); an HTTP request's data is its body as the client sent it (its own content type), the
     * method, path and query in {@code ce_httpmethod}, {@code ce_httppath} and {@code ce_httpquery}.
     */
    JSON,
    /**
     * The Avro {@code Envelope} (the attributes, then the data) in the Confluent wire format, its schema
     * registered under {@code <topic>-value} in {@code kafka.schemaRegistry}; {@code content-type:
     * application/avro}.
     */
    AVRO;

    /** What the configuration says, in words. */
    public static final String VALID = "json or avro";

    /**
     * @throws AdapterException naming the setting, the value and what is valid
     */
    public static EventFormat read(Settings settings, String name, EventFormat defaultValue) {
        String text = settings.text(name, null);
        if (text == null) {
            return defaultValue;
        }
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw AdapterException.invalid(settings.at(name), text, VALID);
        }
    }
}
