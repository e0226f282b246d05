package dev.eddy.engine.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A Python or Node.js function's folder, zipped for the admin API: {@code function.yaml} at the root with the code
 * beside it. Caches and the linked SDK are left out; entries go in name order with one fixed time, so that the same
 * folder makes the same archive (and checksum) each time.
 */
final class FunctionFolder {

    /** Folders never sent: caches, version control, and the SDK the engine links itself. */
    private static final Set<String> SKIPPED = Set.of("__pycache__", ".git", ".venv", "venv", ".pytest_cache");
    private static final long FIXED_TIME = 315_532_800_000L; // 1980-01-01, the earliest a zip entry holds

    private FunctionFolder() {
    }

    static byte[] zip(Path folder) throws IOException {
        if (!Files.isRegularFile(folder.resolve("function.yaml"))) {
            throw new IOException(folder + " has no function.yaml: a function's folder holds its manifest and code");
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).filter(path -> sent(folder.relativize(path))).sorted().toList();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Path file : files) {
                ZipEntry entry = new ZipEntry(folder.relativize(file).toString().replace('\\', '/'));
                entry.setTime(FIXED_TIME);
                zip.putNextEntry(entry);
                Files.copy(file, zip);
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static boolean sent(Path relative) {
        for (Path part : relative) {
            if (SKIPPED.contains(part.toString())) {
                return false;
            }
        }
        return !relative.startsWith(Path.of("node_modules", "@eddy", "function"));
    }
}
