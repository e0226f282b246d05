package dev.eddy.observability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * How every Eddy process reads a secret it is given by reference, so that a function's manifest and an adapter's
 * settings mean the same by the same text: {@code env:NAME} is the environment variable's value, {@code file:/path}
 * the file's contents without trailing whitespace (the newline an editor or a Kubernetes Secret leaves).
 */
public final class SecretReferences {

    private SecretReferences() {
    }

    /** A secret that a reference names but that cannot be read: the message says which, and why. */
    public static final class Unresolved extends RuntimeException {

        private final String expected;

        Unresolved(String message, String expected, Throwable cause) {
            super(message, cause);
            this.expected = expected;
        }

        /** What the reference must name to be read, for an error that names the field and its value. */
        public String expected() {
            return expected;
        }
    }

    /** Whether the text is a reference ({@code env:} or {@code file:}) rather than a value. */
    public static boolean isReference(String text) {
        return text.startsWith("env:") || text.startsWith("file:");
    }

    /**
     * The secret a reference names.
     *
     * @param environment how environment variables are read ({@code System::getenv} outside tests)
     * @throws IllegalArgumentException when {@code reference} is not a reference
     * @throws Unresolved               when the variable is not set or the file cannot be read
     */
    public static String resolve(String reference, Function<String, String> environment) {
        if (reference.startsWith("env:")) {
            String variable = reference.substring("env:".length());
            String value = environment.apply(variable);
            if (value == null) {
                throw new Unresolved("the environment variable " + variable + " is not set",
                        "a set environment variable; " + variable + " is not set on this engine", null);
            }
            return value;
        }
        if (reference.startsWith("file:")) {
            Path path = Path.of(reference.substring("file:".length()));
            try {
                return Files.readString(path, StandardCharsets.UTF_8).stripTrailing();
            } catch (IOException e) {
                throw new Unresolved("the file " + path + " cannot be read: " + e.getMessage(),
                        "a readable file on this engine; reading it failed: " + e, e);
            }
        }
        throw new IllegalArgumentException("'" + reference + "' is not a secret reference: env:NAME or file:/path");
    }
}
