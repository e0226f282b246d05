package dev.eddy.sdk;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One event: an optional key, an optional value, headers, a timestamp, and, for an event the engine delivered,
 * where it was read from.
 *
 * <p>Immutable: the {@code withX} methods return copies. Key and value arrays are not copied, for speed; do not
 * change an array after handing it over or after receiving it.
 *
 * <p>An event the handler creates to emit is built with {@link #of(byte[], byte[])} or
 * {@link #of(String, String)}, or derived from the input with {@code withX}; its origin is ignored when emitted.
 */
public final class Event {

    /** The timestamp of an event that has none yet; the engine gives it the time of sending. */
    public static final long NO_TIMESTAMP = -1L;

    private final byte[] key;
    private final byte[] value;
    private final Headers headers;
    private final long timestamp;
    private final Origin origin;

    private Event(byte[] key, byte[] value, Headers headers, long timestamp, Origin origin) {
        this.key = key;
        this.value = value;
        this.headers = Objects.requireNonNull(headers, "headers");
        this.timestamp = timestamp;
        this.origin = origin;
    }

    /**
     * An event as the engine delivers it.
     *
     * @param timestamp epoch milliseconds, or {@link #NO_TIMESTAMP}
     * @param origin    where it was read from; null for an event that was not read from anywhere
     */
    public static Event of(byte[] key, byte[] value, Headers headers, long timestamp, Origin origin) {
        if (timestamp < NO_TIMESTAMP) {
            throw new IllegalArgumentException("timestamp must be epoch milliseconds or NO_TIMESTAMP, was " + timestamp);
        }
        return new Event(key, value, headers, timestamp, origin);
    }

    /** A new event with this key and value (either may be null), no headers and no timestamp. */
    public static Event of(byte[] key, byte[] value) {
        return new Event(key, value, Headers.empty(), NO_TIMESTAMP, null);
    }

    /** A new event whose key and value are the UTF-8 bytes of the given strings (either may be null). */
    public static Event of(String key, String value) {
        return of(utf8(key), utf8(value));
    }

    /** The key; may be null. */
    public byte[] key() {
        return key;
    }

    /** The key decoded as UTF-8; null when the key is null. */
    public String keyAsString() {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    /** The value; may be null (a tombstone, on a compacted topic). */
    public byte[] value() {
        return value;
    }

    /** The value decoded as UTF-8; null when the value is null. */
    public String valueAsString() {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    /** The headers; never null, possibly empty. */
    public Headers headers() {
        return headers;
    }

    /**
     * The value decoded by a codec.
     *
     * @throws UndecodableEventException when the codec cannot decode it: the engine dead-letters the event at once
     */
    public <T> T value(Codec<T> codec) {
        try {
            return codec.decode(value);
        } catch (CodecException e) {
            throw new UndecodableEventException(e);
        }
    }

    /**
     * The key decoded by a codec.
     *
     * @throws UndecodableEventException when the codec cannot decode it
     */
    public <T> T key(Codec<T> codec) {
        try {
            return codec.decode(key);
        } catch (CodecException e) {
            throw new UndecodableEventException(e);
        }
    }

    /** The timestamp in epoch milliseconds, or {@link #NO_TIMESTAMP}. */
    public long timestampMillis() {
        return timestamp;
    }

    /** The timestamp, if the event has one. */
    public Optional<Instant> timestamp() {
        return timestamp == NO_TIMESTAMP ? Optional.empty() : Optional.of(Instant.ofEpochMilli(timestamp));
    }

    /** Where the engine read this event from; empty for an event built by a handler. */
    public Optional<Origin> origin() {
        return Optional.ofNullable(origin);
    }

    public Event withKey(byte[] newKey) {
        return new Event(newKey, value, headers, timestamp, origin);
    }

    public Event withKey(String newKey) {
        return withKey(utf8(newKey));
    }

    public Event withValue(byte[] newValue) {
        return new Event(key, newValue, headers, timestamp, origin);
    }

    public Event withValue(String newValue) {
        return withValue(utf8(newValue));
    }

    public Event withHeaders(Headers newHeaders) {
        return new Event(key, value, newHeaders, timestamp, origin);
    }

    /** A copy with one more header, added after the existing ones. */
    public Event withHeader(String name, String headerValue) {
        return withHeaders(headers.with(Header.of(name, headerValue)));
    }

    /** A copy with one more header, added after the existing ones. */
    public Event withHeader(String name, byte[] headerValue) {
        return withHeaders(headers.with(new Header(name, headerValue)));
    }

    /** @param epochMillis epoch milliseconds, or {@link #NO_TIMESTAMP} */
    public Event withTimestamp(long epochMillis) {
        return of(key, value, headers, epochMillis, origin);
    }

    private static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Event that
                && Arrays.equals(key, that.key)
                && Arrays.equals(value, that.value)
                && headers.equals(that.headers)
                && timestamp == that.timestamp
                && Objects.equals(origin, that.origin);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(value), headers, timestamp, origin);
    }

    @Override
    public String toString() {
        return "Event{key=" + (key == null ? "null" : Bytes.printable(key))
                + ", value=" + (value == null ? "null" : Bytes.printable(value))
                + (headers.isEmpty() ? "" : ", headers=" + headers)
                + (timestamp == NO_TIMESTAMP ? "" : ", timestamp=" + Instant.ofEpochMilli(timestamp))
                + (origin == null ? "" : ", origin=" + origin)
                + "}";
    }
}
