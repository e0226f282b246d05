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

    /** How long installing a function's packages may take. */
    static final java.time.Duration INSTALL_TIMEOUT = java.time.Duration.ofMinutes(5);
    /** Where a Python function's packages from its requirements.txt go, inside its folder (on its path). */
    public static final String PYTHON_PACKAGES = ".eddy-packages";

    /**
     * The folder the archive is unpacked in; unpacked now unless it is there already, with the packages its
     * {@code requirements.txt} (pip) or {@code package.json} (npm) names installed.
     *
     * @throws dev.eddy.engine.InvalidFunctionException when they cannot be installed, with the installer's words
     */
    public static Path unpack(byte[] zip, Path dir, dev.eddy.engine.manifest.Manifest manifest,
            java.util.function.Function<String, String> env) {
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Path partial = dir.resolveSibling(dir.getFileName() + ".partial");
        extract(zip, partial);
        try {
            install(manifest, partial, env);
            Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot unpack the function into " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            try {
                deleteTree(partial);
            } catch (IOException ignored) {
                // the next deploy clears it
            }
            throw e;
        }
    }

    /** Installs what requirements.txt or package.json name; nothing when there is neither. */
    private static void install(dev.eddy.engine.manifest.Manifest manifest, Path dir,
            java.util.function.Function<String, String> env) {
        java.util.List<String> command;
        String file;
        if (manifest.runtime() == dev.eddy.engine.manifest.Manifest.Runtime.PYTHON
                && Files.isRegularFile(dir.resolve("requirements.txt"))) {
            file = "requirements.txt";
            String python = env.apply("EDDY_PYTHON");
            command = java.util.List.of(python == null || python.isBlank() ? "python3" : python, "-m", "pip",
                    "install", "--disable-pip-version-check", "--no-input", "--quiet", "--target", PYTHON_PACKAGES,
                    "-r", "requirements.txt");
        } else if (manifest.runtime() == dev.eddy.engine.manifest.Manifest.Runtime.NODE
                && Files.isRegularFile(dir.resolve("package.json"))
                && !Files.isDirectory(dir.resolve("node_modules"))) {
            file = "package.json";
            command = java.util.List.of("npm", "install", "--omit=dev", "--no-audit", "--no-fund",
                    "--loglevel=error");
        } else {
            return;
        }
        String said;
        int status;
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            java.util.concurrent.CompletableFuture<String> output = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> {
                        try {
                            return new String(process.getInputStream().readAllBytes(),
                                    java.nio.charset.StandardCharsets.UTF_8);
                        } catch (IOException e) {
                            return e.toString();
                        }
                    });
            if (!process.waitFor(INSTALL_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new dev.eddy.engine.InvalidFunctionException(file, null, "packages this machine installs"
                        + " within " + INSTALL_TIMEOUT.toMinutes() + " minutes: '" + String.join(" ", command)
                        + "' did not finish");
            }
            status = process.exitValue();
            said = output.join().strip();
        } catch (IOException e) {
            throw new dev.eddy.engine.InvalidFunctionException(file, null, "packages this machine can install:"
                    + " '" + command.get(0) + "' cannot be run here (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted installing the function's packages", e);
        }
        if (status != 0) {
            String tail = said.length() > 1500 ? "…" + said.substring(said.length() - 1500) : said;
            throw new dev.eddy.engine.InvalidFunctionException(file, null, "packages this machine can install;"
                    + " '" + String.join(" ", command) + "' failed (status " + status + "): " + tail);
        }
    }

    /** Writes the archive's entries into the folder, emptied first. */
    private static void extract(byte[] zip, Path partial) {
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
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot unpack the function into " + partial + ": " + e.getMessage(), e);
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
