package dev.eddy.adapters.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * The examples of {@code docs/triggers.md} as the tests take them: each adapter's configuration, with the addresses
 * and names a test must change (told by a map of what to replace), each function's code, and the tutorial's greeter
 * as {@code ./eddy new} makes it.
 */
final class TriggerExamples {

    static final Path PAGE = Path.of("..", "..", "docs", "triggers.md");

    private TriggerExamples() {
    }

    static String page() {
        try {
            return Files.readString(PAGE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The configuration of an example ({@code <!-- example: name -->}), each key of {@code changes} replaced. */
    static String configuration(String name, Map<String, String> changes) {
        String yaml = block(page(), "<!-- example: " + name + " -->", "yaml");
        for (Map.Entry<String, String> change : changes.entrySet()) {
            if (!yaml.contains(change.getKey())) {
                throw new IllegalStateException("the " + name + " example no longer has '" + change.getKey()
                        + "' to replace:\n" + yaml);
            }
            yaml = yaml.replace(change.getKey(), change.getValue());
        }
        return yaml;
    }

    /** The code block of a function ({@code <!-- function: Name -->}). */
    static String function(String name) {
        return block(page(), "<!-- function: " + name + " -->", "java");
    }

    /** The code of an example class between its {@code // docs: begin} and {@code // docs: end}. */
    static String source(Class<?> type) {
        try {
            String source = Files.readString(Path.of("src", "test", "java",
                    type.getName().replace('.', '/') + ".java"));
            return source.substring(source.indexOf("// docs: begin") + "// docs: begin".length(),
                    source.indexOf("// docs: end")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String block(String page, String marker, String language) {
        int at = page.indexOf(marker);
        if (at < 0) {
            throw new IllegalStateException(PAGE + " has no " + marker);
        }
        Matcher block = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(page);
        if (!block.find(at)) {
            throw new IllegalStateException(PAGE + " has no ```" + language + " block after " + marker);
        }
        return block.group(1).strip();
    }

    /**
     * The handler {@code ./eddy new greeter} writes, compiled from the engine's template: the tutorial's function
     * itself, not a copy of it.
     */
    static Object greeter(Path dir) throws Exception {
        String template;
        try (var in = TriggerExamples.class.getResourceAsStream("/dev/eddy/engine/cli/template/Handler.java.template")) {
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String source = template.replace("{{package}}", "com.example.greeter").replace("{{class}}", "Greeter")
                .replace("{{name}}", "greeter");
        Path file = dir.resolve("com/example/greeter/Greeter.java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int status = javac.run(null, null, null, List.of("-classpath", System.getProperty("java.class.path"),
                "-d", dir.toString(), file.toString()).toArray(String[]::new));
        if (status != 0) {
            throw new IllegalStateException("the greeter template does not compile");
        }
        URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                TriggerExamples.class.getClassLoader());
        return loader.loadClass("com.example.greeter.Greeter").getConstructor().newInstance();
    }
}
