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
        description = {"Creates a project for a new function, with its unit test.",
            "A handler, its function.yaml and a test that runs it in memory. Java (the default): a Maven project;",
            "build it with 'mvn package' on a JDK 21+ (JAVA_HOME=\"$(./eddy java-home)\" gives Eddy's), deploy the",
            "jar with './eddy deploy'. --runtime python or node: a folder, deployed as it is ('./eddy deploy DIR')."})
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

    @Option(names = "--runtime", defaultValue = "java", paramLabel = "<runtime>",
            description = "java (a Maven project), python or node (a folder the engine runs)."
                    + " Default: ${DEFAULT-VALUE}.")
    String runtime;

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
        if (!java.util.List.of("java", "python", "node").contains(runtime)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "'" + runtime + "' is not a runtime: use"
                    + " java, python or node");
        }
        Map<String, String> values = values();
        if (!runtime.equals("java")) {
            return language(target, values);
        }
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

    /** A Python or Node.js function's folder: its handler, function.yaml, a test and a README. */
    private int language(Path target, Map<String, String> values) throws IOException {
        boolean python = runtime.equals("python");
        Path sdk = Path.of(values.get("eddy")).resolveSibling("function-sdk").resolve(runtime);
        String test = python ? "PYTHONPATH=" + sdk + " python3 -m unittest" : "node --test";
        values.put("language", python ? "Python" : "JavaScript (Node.js)");
        values.put("entry", python ? "main.py" : "index.mjs");
        values.put("test", test);
        write(target.resolve("function.yaml"), runtime + "-function.yaml", values);
        write(target.resolve("README.md"), "language-README.md", values);
        if (python) {
            write(target.resolve("main.py"), "python-main.py", values);
            write(target.resolve("test_main.py"), "python-test_main.py", values);
        } else {
            write(target.resolve("index.mjs"), "node-index.mjs", values);
            write(target.resolve("test/index.test.mjs"), "node-index.test.mjs", values);
            // The SDK as the package @eddy/function, for the tests (the engine links its own when it runs it).
            Path link = target.resolve("node_modules/@eddy/function");
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, sdk);
        }
        System.out.printf(Locale.ROOT, "Created %s in %s:%n  %s%n  function.yaml%n  %s%n%nTest it:%n  (cd %s && %s)%n"
                + "and deploy it (the engine starts its processes):%n  %s deploy %s%n", name, target,
                values.get("entry"), python ? "test_main.py" : "test/index.test.mjs", target, test,
                values.get("eddy"), target);
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
