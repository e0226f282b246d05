package dev.eddy.sdk.window;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.CodecException;
import java.nio.ByteBuffer;

/** The codecs of the built-in aggregates' accumulators: fixed-size binary, as they are kept, not shown. */
final class AccumulatorCodecs {

    static final Codec<Long> LONG = new Fixed<>("long", Long.BYTES) {
        @Override
        void write(Long value, ByteBuffer into) {
            into.putLong(value);
        }

        @Override
        Long read(ByteBuffer from) {
            return from.getLong();
        }
    };

    static final Codec<Double> DOUBLE = new Fixed<>("double", Double.BYTES) {
        @Override
        void write(Double value, ByteBuffer into) {
            into.putDouble(value);
        }

        @Override
        Double read(ByteBuffer from) {
            return from.getDouble();
        }
    };

    static final Codec<Stats> STATS = new Fixed<>("stats", Long.BYTES + 3 * Double.BYTES) {
        @Override
        void write(Stats value, ByteBuffer into) {
            into.putLong(value.count()).putDouble(value.sum()).putDouble(value.min()).putDouble(value.max());
        }

        @Override
        Stats read(ByteBuffer from) {
            return Stats.of(from.getLong(), from.getDouble(), from.getDouble(), from.getDouble());
        }
    };

    private AccumulatorCodecs() {
    }

    /** A value of a fixed number of bytes. */
    private abstract static class Fixed<T> implements Codec<T> {
        private final String name;
        private final int bytes;

        Fixed(String name, int bytes) {
            this.name = name;
            this.bytes = bytes;
        }

        abstract void write(T value, ByteBuffer into);

        abstract T read(ByteBuffer from);

        @Override
        public byte[] encode(T value) {
            if (value == null) {
                throw new CodecException(name, "an accumulator is never null", null);
            }
            ByteBuffer buffer = ByteBuffer.allocate(bytes);
            write(value, buffer);
            return buffer.array();
        }

        @Override
        public T decode(byte[] encoded) {
            if (encoded == null || encoded.length != bytes) {
                throw new CodecException(name, "a kept " + name + " accumulator is " + bytes + " bytes; got "
                        + (encoded == null ? "none" : encoded.length), null);
            }
            return read(ByteBuffer.wrap(encoded));
        }

        @Override
        public String name() {
            return name;
        }
    }
}
