package dev.eddy.sdk.spi;

import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Reads the Avro envelopes trigger adapters publish when a route asks for Avro, for the adapter events' codecs
 * ({@link dev.eddy.sdk.events.AdapterEvents}). The SDK has no Avro of its own: the engine provides the binding
 * (with its schema registry client), found through {@link ServiceLoader}, so that a function bundles nothing.
 */
public interface EventBinding {

    /**
     * The data of an envelope in the Confluent wire format, as the adapter events' JSON reads: maps with text keys,
     * lists, text, numbers, booleans, {@code byte[]}, {@link java.time.Instant} for times, null.
     *
     * @param registryUrl the schema registry the envelope's schema id is looked up in
     * @throws dev.eddy.sdk.CodecException when the bytes are not such an envelope, or its schema cannot be had
     */
    Map<String, Object> envelopeData(byte[] value, Optional<String> registryUrl);

    /** The binding beside the SDK (the engine's), else the one the thread's context class loader sees; or none. */
    static Optional<EventBinding> find() {
        Iterator<EventBinding> bindings = ServiceLoader.load(EventBinding.class, EventBinding.class.getClassLoader())
                .iterator();
        if (!bindings.hasNext()) {
            bindings = ServiceLoader.load(EventBinding.class).iterator();
        }
        return bindings.hasNext() ? Optional.of(bindings.next()) : Optional.empty();
    }
}
