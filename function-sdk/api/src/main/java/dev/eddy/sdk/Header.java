package dev.eddy.sdk;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One header of an event: a name and a value of bytes.
 *
 * @param name  the header name, never null
 * @param value the value; may be null. The array is not copied: do not change it.
 */
public record Header(String name, byte[] value) {

    public Header {
        Objects.requireNonNull(name, "name");
    }

    /** Creates a header whose value is the UTF-8 bytes of {@code value} (null stays null). */
    public static Header of(String name, String value) {
        return new Header(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** The value decoded as UTF-8, or null when the value is null. */
    public String valueAsString() {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return name + "=" + (value == null ? "null" : Bytes.printable(value));
    }
}
