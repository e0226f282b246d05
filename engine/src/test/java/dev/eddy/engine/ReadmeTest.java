package dev.eddy.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README stays true: its example is the code that runs, its references are generated from the code. */
class ReadmeTest {

    private static final Path README = Path.of("..", "README.md");

    @Test
    void shouldShowTheExampleThatIsTested() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/eddy/engine/ReadmeExampleIT.java"));
        String snippet = source.substring(source.indexOf("// README: begin"), source.indexOf("// README: end"))
                .lines().skip(1).map(line -> line.length() >= 8 ? line.substring(8) : line.strip())
                .collect(Collectors.joining("\n"));
        String readme = Files.readString(README);
        assertTrue(readme.contains(snippet), "README.md must show the example of ReadmeExampleIT exactly:\n" + snippet);
    }

    @Test
    void shouldHoldTheGeneratedConfigurationReference() throws IOException {
        String table = ConfigDocs.markdown(EngineConfig.definition());
        assertTrue(Files.readString(README).contains(table),
                "README.md's configuration table is out of date; paste the output of './eddy config':\n" + table);
    }

    @Test
    void shouldHoldTheGeneratedManifestReference() throws IOException {
        String table = dev.eddy.engine.manifest.ManifestField.markdownTable();
        assertTrue(Files.readString(README).contains(table),
                "README.md's function.yaml reference is out of date; paste the output of './eddy manifest --reference':\n"
                        + table);
    }

    @Test
    void shouldHoldTheGeneratedMetricsReference() throws IOException {
        String table = dev.eddy.observability.EddyMeter.markdown();
        assertTrue(Files.readString(README).contains(table),
                "README.md's metrics table is out of date; paste the output of './eddy config --metrics':\n" + table);
    }
}
