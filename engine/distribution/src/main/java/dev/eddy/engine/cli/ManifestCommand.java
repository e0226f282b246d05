package dev.eddy.engine.cli;

import dev.eddy.engine.InvalidFunctionException;
import dev.eddy.engine.manifest.Manifest;
import dev.eddy.engine.manifest.ManifestField;
import dev.eddy.engine.manifest.ManifestParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Checks a function.yaml, or prints the reference of its fields. */
@Command(name = "manifest", mixinStandardHelpOptions = true,
        description = {"Checks a function.yaml and prints what it deploys.",
            "Each field is checked; an error names the field, its value and what would be valid. With",
            "--reference, prints every field of function.yaml as Markdown."})
final class ManifestCommand implements Callable<Integer> {

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "The manifest to check (default: function.yaml).")
    private Path file;

    @Option(names = "--reference", description = "Print the reference of every field instead.")
    private boolean reference;

    @Override
    public Integer call() {
        if (reference) {
            System.out.print(ManifestField.markdownTable());
            return 0;
        }
        Path path = file != null ? file : Path.of("function.yaml");
        String yaml;
        try {
            yaml = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("Cannot read " + path + ": " + e.getMessage());
            return 2;
        }
        try {
            Manifest manifest = ManifestParser.parse(yaml);
            System.out.printf("%s: function '%s' version %s, %s, reads %s, writes %s, %s order, max concurrency %d,"
                    + " delivery %s%n",
                    path, manifest.name(), manifest.version(),
                    manifest.isRemote() ? "remote at " + manifest.remoteUrl() : "handler " + manifest.handlerClass(),
                    manifest.inputPattern() != null ? "topics matching " + manifest.inputPattern() : manifest.inputs(),
                    manifest.outputs().isEmpty() ? "nothing" : manifest.outputs(), manifest.ordering(),
                    manifest.maxConcurrency(), manifest.delivery() != null ? manifest.delivery()
                            : "AT_LEAST_ONCE (EXACTLY_ONCE for a windowed function) unless given");
            return 0;
        } catch (InvalidFunctionException e) {
            System.err.println(path + ": " + e.getMessage());
            return 1;
        }
    }
}
