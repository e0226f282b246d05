package dev.eddy.engine.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./eddy new <name>}: a Maven project of a working function, with its manifest and a unit test. */
@Command(name = "new", mixinStandardHelpOptions = true,
        description = {"Creates a Maven project for a new function, with its unit test.",
            "A handler, its function.yaml and a test that runs it in memory. Build it with 'mvn package' on a",
            "JDK 21+ (JAVA_HOME=\"$(./eddy java-home)\" gives Eddy's), deploy the jar with './eddy deploy'."})
final class NewCommand implements Callable<Integer> {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");
    private static final Pattern GROUP = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");
    private static final String TEMPLATES = "/dev/eddy/engine/cli/template/";

    @Parameters(paramLabel = "NAME", description = "The function's name: lowercase letters, digits and '-'.")
    String name;

    @Option(names = "--group", defaultValue = "com.example", paramLabel = "<groupId>",
            description = "The project's Maven group id, also its Java package root. Default: ${DEFAULT-VALUE}.")
    String group;

    @Option(names = "--dir", paramLabel = "<dir>", description = "Where to create the project. Default: ./NAME.")
    Path dir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "'" + name + "' is not a function name:"
                    + " use 1 to 63 lowercase letters, digits and '-', starting with a letter");
        }
        if (!GROUP.matcher(group).matches()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "'" + group + "' is not a group id that is"
                    + " also a Java package, such as com.example");
        }
        Path target = dir != null ? dir : Path.of(name);
        if (Files.exists(target) && (!Files.isDirectory(target) || Files.list(target).findAny().isPresent())) {
            throw new CommandLine.ParameterException(spec.commandLine(), target + " exists and is not empty;"
                    + " give another --dir");
        }
        Map<String, String> values = values();
        String packagePath = values.get("packagePath");
        String className = values.get("class");
        write(target.resolve("pom.xml"), "pom.xml", values);
        write(target.resolve("README.md"), "README.md", values);
        write(target.resolve("src/main/resources/function.yaml"), "function.yaml", values);
        write(target.resolve("src/main/java/" + packagePath + "/" + className + ".java"), "Handler.java", values);
        write(target.resolve("src/test/java/" + packagePath + "/" + className + "Test.java"), "HandlerTest.java", values);
        System.out.printf(Locale.ROOT, "Created %s in %s:%n  src/main/java/%s/%s.java%n  src/main/resources/function.yaml%n"
                + "  src/test/java/%s/%sTest.java%n%nNext, build it (on the JDK 21+ Eddy runs on):%n"
                + "  (cd %s && JAVA_HOME=\"$(%s java-home)\" mvn package)%nand deploy it:%n  %s deploy %s%n",
                name, target, packagePath, className, packagePath, className, target, values.get("eddy"),
                values.get("eddy"), target.resolve("target/" + name + "-1.0.0.jar"));
        return 0;
    }

    /** The placeholders' values: names, package, and the versions Eddy's build pins. */
    Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        Properties versions = new Properties();
        try (InputStream in = NewCommand.class.getResourceAsStream(TEMPLATES + "versions.properties")) {
            versions.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        versions.forEach((key, value) -> values.put((String) key, (String) value));
        String pkg = group + "." + name.replace("-", "");
        values.put("name", name);
        values.put("group", group);
        values.put("package", pkg);
        values.put("packagePath", pkg.replace('.', '/'));
        values.put("class", className(name));
        values.put("eddy", Path.of(System.getProperty("eddy.home", "."), "eddy").toAbsolutePath().normalize()
                .toString());
        return values;
    }

    /** {@code word-count} → {@code WordCount}. */
    static String className(String name) {
        StringBuilder out = new StringBuilder();
        for (String part : name.split("-")) {
            if (!part.isEmpty()) {
                out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return Character.isDigit(out.charAt(0)) ? "F" + out : out.toString();
    }

    private static void write(Path file, String template, Map<String, String> values) throws IOException {
        String text;
        try (InputStream in = NewCommand.class.getResourceAsStream(TEMPLATES + template + ".template")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (Map.Entry<String, String> value : values.entrySet()) {
            text = text.replace("{{" + value.getKey() + "}}", value.getValue());
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
