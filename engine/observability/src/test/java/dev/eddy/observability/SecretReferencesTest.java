package dev.eddy.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretReferencesTest {

    @Test
    void shouldReadAnEnvironmentVariableAndAFileWithoutItsTrailingNewline(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("token"), "  s3cr3t \n");
        assertEquals("from-env", SecretReferences.resolve("env:TOKEN", Map.of("TOKEN", "from-env")::get));
        assertEquals("  s3cr3t", SecretReferences.resolve("file:" + file, name -> null),
                "leading spaces are part of the secret; the trailing newline is not");
    }

    @Test
    void shouldSayWhichVariableOrFileCannotBeRead(@TempDir Path dir) {
        SecretReferences.Unresolved unset = assertThrows(SecretReferences.Unresolved.class,
                () -> SecretReferences.resolve("env:NOPE", name -> null));
        assertEquals("the environment variable NOPE is not set", unset.getMessage());
        SecretReferences.Unresolved missing = assertThrows(SecretReferences.Unresolved.class,
                () -> SecretReferences.resolve("file:" + dir.resolve("none"), name -> null));
        assertTrue(missing.getMessage().startsWith("the file " + dir.resolve("none") + " cannot be read"),
                missing.getMessage());
    }

    @Test
    void shouldTellAReferenceFromAValue() {
        assertTrue(SecretReferences.isReference("env:X"));
        assertTrue(SecretReferences.isReference("file:/run/secrets/x"));
        assertFalse(SecretReferences.isReference("plain"));
        assertThrows(IllegalArgumentException.class, () -> SecretReferences.resolve("plain", name -> null));
    }
}
