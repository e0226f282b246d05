package dev.eddy.sdk;

import java.nio.charset.StandardCharsets;

/** The codecs {@link Codec#bytes()} and {@link Codec#string()} return; not part of the API. */
final class BuiltInCodecs {

    static final Codec<byte[]> BYTES = new Codec<>() {
        @Override
        public byte[] encode(byte[] value) {
            return value;
        }

        @Override
        public byte[] decode(byte[] bytes) {
            return bytes;
        }

        @Override
        public String name() {
            return "bytes";
        }
    };

    static final Codec<String> STRING = new Codec<>() {
        @Override
        public byte[] encode(String value) {
            return value == null ? null : value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
            if (bytes == null) {
                return null;
            }
            try {
                return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new CodecException("string", "the bytes are not valid UTF-8 (" + bytes.length + " bytes)", e);
            }
        }

        @Override
        public String name() {
            return "string";
        }

        @Override
        public String contentType() {
            return "text/plain; charset=utf-8";
        }
    };

    private BuiltInCodecs() {
    }
}
