package dev.eddy.sdk;

import java.util.Objects;

/**
 * A table a function looks keys up in: a compacted topic (device metadata, customer records) that the engine keeps
 * materialised beside the function, its latest value for each key. Declared as a constant and listed by the
 * function's {@link Lifecycle#tables()}; the manifest's {@code tables} says which topic it is:
 *
 * <pre>{@code
 * static final TableSpec<Device> DEVICES = TableSpec.named("devices", Codec.json(Device.class));
 * ...
 * Device device = ctx.table(DEVICES).get(event.keyAsString()).orElse(Device.UNKNOWN);
 * }</pre>
 *
 * @param <V> the type of the table's values
 */
public final class TableSpec<V> {

    private final String name;
    private final Codec<V> codec;

    private TableSpec(String name, Codec<V> codec) {
        this.name = StateSpec.checkName(name);
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    /**
     * A table of this name (1 to 63 lowercase letters, digits, '_' or '-') whose values the codec decodes.
     *
     * @throws IllegalArgumentException when the name is not valid
     */
    public static <V> TableSpec<V> named(String name, Codec<V> codec) {
        return new TableSpec<>(name, codec);
    }

    public String name() {
        return name;
    }

    public Codec<V> codec() {
        return codec;
    }

    @Override
    public String toString() {
        return "table '" + name + "' (" + codec.name() + ")";
    }
}
