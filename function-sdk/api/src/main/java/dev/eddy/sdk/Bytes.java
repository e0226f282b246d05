package dev.eddy.sdk;

import java.nio.charset.StandardCharsets;

/** Renders bytes for humans: text stays readable, anything else is escaped, long values are cut. */
final class Bytes {

    private static final int MAX_SHOWN = 64;

    private Bytes() {
    }

    static String printable(byte[] bytes) {
        String text = new String(bytes, 0, Math.min(bytes.length, MAX_SHOWN), StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        if (bytes.length > MAX_SHOWN) {
            out.append("…(").append(bytes.length).append(" bytes)");
        }
        return out.toString();
    }
}
