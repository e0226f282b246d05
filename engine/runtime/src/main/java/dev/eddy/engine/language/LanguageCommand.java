package dev.eddy.engine.language;

import dev.eddy.engine.Installation;
import dev.eddy.engine.InvalidFunctionException;
import dev.eddy.engine.manifest.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How a process of a language runtime is started: Python's {@code python3 -m eddy} with the SDK on its path, or
 * Node's {@code node serve.mjs} with the SDK linked as the package {@code @eddy/function} in the function's
 * {@code node_modules}. The interpreters are {@code python3} and {@code node} on the PATH unless {@code EDDY_PYTHON}
 * or {@code EDDY_NODE} name others; the SDKs are found under the Eddy installation ({@link #sdkHome}).
 *
 * @param command     the command line
 * @param environment what the process is given besides the function's own settings
 */
public record LanguageCommand(List<String> command, Map<String, String> environment) {

    /** Each interpreter's own executable, by the name it is given as. */
    private static final Map<String, String> EXECUTABLES = new java.util.concurrent.ConcurrentHashMap<>();

    /** The command for the runtime, the function's folder prepared for it. */
    public static LanguageCommand of(Manifest manifest, Path code, Path sdkHome, java.util.function.Function<String,
            String> env) {
        return switch (manifest.runtime()) {
            case PYTHON -> {
                Path sdk = sdkHome.resolve("python");
                String path = sdk + java.io.File.pathSeparator + code + java.io.File.pathSeparator
                        + code.resolve(LanguageCode.PYTHON_PACKAGES);
                String existing = env.apply("PYTHONPATH");
                yield new LanguageCommand(List.of(executable(or(env.apply("EDDY_PYTHON"), "python3"), "-c",
                        "import sys; print(sys.executable)"), "-u", "-m", "eddy"),
                        Map.of("PYTHONPATH", existing == null || existing.isEmpty() ? path
                                : path + java.io.File.pathSeparator + existing, "PYTHONDONTWRITEBYTECODE", "1"));
            }
            case NODE -> {
                Path sdk = sdkHome.resolve("node");
                link(code.resolve("node_modules").resolve("@eddy").resolve("function"), sdk);
                yield new LanguageCommand(List.of(executable(or(env.apply("EDDY_NODE"), "node"), "-e",
                        "console.log(process.execPath)"),
                        "--max-old-space-size=" + manifest.memoryMb(), sdk.resolve("serve.mjs").toString()),
                        Map.of());
            }
            case JAVA -> throw new IllegalArgumentException("a Java function runs in the engine");
        };
    }

    /**
     * The folder holding the language SDKs ({@code python/}, {@code node/}): {@code <eddy.home>/function-sdk} when
     * the engine runs from an installation, else the nearest {@code function-sdk} above the working directory (a
     * source checkout, as in tests).
     *
     * @throws InvalidFunctionException when none is found
     */
    public static Path sdkHome() {
        return Installation.find("function-sdk", "python/eddy").orElseThrow(() ->
                new InvalidFunctionException("runtime", null, "an engine with the language SDKs: none found at"
                        + " eddy.home/function-sdk or above " + Path.of("").toAbsolutePath() + " (set EDDY_HOME)"));
    }

    private static void link(Path at, Path target) {
        try {
            if (Files.exists(at, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return; // the function brings its own copy
            }
            Files.createDirectories(at.getParent());
            Files.createSymbolicLink(at, target);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Cannot link the JavaScript SDK into " + at, e);
        }
    }

    /**
     * The interpreter's own executable, asked of it once: a version manager's shim on the PATH (pyenv, asdf, nvm)
     * would otherwise run at every process start, and a cold start pays for it (a second, measured here). The name
     * as given when it cannot say.
     */
    private static String executable(String interpreter, String option, String printsItsPath) {
        return EXECUTABLES.computeIfAbsent(interpreter, name -> {
            try {
                Process asked = new ProcessBuilder(name, option, printsItsPath).redirectErrorStream(true).start();
                String path = new String(asked.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                        .strip();
                return asked.waitFor() == 0 && !path.isEmpty() && Files.isExecutable(Path.of(path)) ? path : name;
            } catch (IOException e) {
                return name; // not there: the process start says so, with the function's name
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return name;
            }
        });
    }

    private static String or(String value, String otherwise) {
        return value == null || value.isBlank() ? otherwise : value;
    }
}
