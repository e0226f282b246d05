package dev.eddy.engine.deploy;

import dev.eddy.engine.InvalidFunctionException;
import dev.eddy.engine.manifest.Manifest;
import dev.eddy.engine.manifest.ManifestParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * An uploaded function: its jar (checked before anything is loaded from it) and the manifest it carries at its
 * root as {@code function.yaml}, or, for a remote function, the manifest alone.
 *
 * @param manifest     the function's manifest
 * @param manifestText the manifest as it was written
 * @param jar          the jar's bytes, or null for a remote function
 * @param sha256       the jar's SHA-256 in hex, or of the manifest for a remote function
 */
public record FunctionArchive(Manifest manifest, String manifestText, byte[] jar, String sha256) {

    /** Where a jar carries its manifest. */
    public static final String MANIFEST_ENTRY = "function.yaml";
    /** The most entries a jar may have. */
    static final int MAX_ENTRIES = 65_536;

    /** A remote function's archive: its manifest. */
    public static FunctionArchive ofManifest(String yaml) {
        Manifest manifest = ManifestParser.parse(yaml);
        if (!manifest.isRemote()) {
            throw new InvalidFunctionException("handler", manifest.handlerClass(),
                    "a Java handler comes in a jar: deploy the jar, with function.yaml at its root");
        }
        return new FunctionArchive(manifest, yaml, null, sha256(yaml.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Reads a jar: every entry name is checked (no {@code ..} segment, no absolute path, no drive or backslash), and
     * its {@code function.yaml} is parsed.
     *
     * @throws InvalidFunctionException saying what is wrong with the jar or its manifest
     */
    public static FunctionArchive ofJar(byte[] jar) {
        String yaml = null;
        int entries = 0;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(jar))) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                checkEntryName(entry.getName());
                if (++entries > MAX_ENTRIES) {
                    throw new InvalidFunctionException("jar", entries + "+ entries", "a jar of at most "
                            + MAX_ENTRIES + " entries");
                }
                if (entry.getName().equals(MANIFEST_ENTRY)) {
                    byte[] bytes = zip.readNBytes(ManifestParser.MAX_BYTES + 1);
                    yaml = new String(bytes, StandardCharsets.UTF_8);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidFunctionException("jar", jar.length + " bytes", "a jar (zip) file; reading it failed: "
                    + e.getMessage());
        }
        if (entries == 0) {
            throw new InvalidFunctionException("jar", jar.length + " bytes", "a jar (zip) file with the function's"
                    + " classes and its function.yaml; this has no entries");
        }
        if (yaml == null) {
            throw new InvalidFunctionException("jar", MANIFEST_ENTRY + " missing", "a jar with the function's "
                    + "manifest at its root as " + MANIFEST_ENTRY + " (src/main/resources/" + MANIFEST_ENTRY
                    + " in a Maven project)");
        }
        Manifest manifest = ManifestParser.parse(yaml);
        if (manifest.isRemote()) {
            throw new InvalidFunctionException("remote.url", manifest.remoteUrl(),
                    "a jar's manifest names a handler class; a remote function is deployed as its manifest alone");
        }
        return new FunctionArchive(manifest, yaml, jar, sha256(jar));
    }

    private static void checkEntryName(String name) {
        boolean escapes = name.startsWith("/") || name.contains("\\") || name.contains("\0")
                || (name.length() > 1 && name.charAt(1) == ':');
        for (String segment : name.split("/")) {
            escapes |= segment.equals("..");
        }
        if (escapes) {
            throw new InvalidFunctionException("jar", name, "entries with relative paths inside the jar; this one"
                    + " would point outside it ('..', an absolute path, a drive or a backslash)");
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
