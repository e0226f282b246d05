package dev.eddy.engine.language;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A Python or Node.js function's folder, as deployed (a zip with {@code function.yaml} at its root, whose entry
 * names {@link dev.eddy.engine.deploy.FunctionArchive} has checked), unpacked once per version into a folder named
 * by its checksum.
 */
public final class LanguageCode {

    private LanguageCode() {
    }

    /** The folder the archive is unpacked in; unpacked now unless it is there already. */
    public static Path unpack(byte[] zip, Path dir) {
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Path partial = dir.resolveSibling(dir.getFileName() + ".partial");
        try {
            deleteTree(partial);
            Files.createDirectories(partial);
            try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
                ZipEntry entry;
                while ((entry = in.getNextEntry()) != null) {
                    Path target = partial.resolve(entry.getName()).normalize();
                    if (!target.startsWith(partial)) {
                        throw new IOException("the entry " + entry.getName() + " leads outside the folder");
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot unpack the function into " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
