package dev.eddy.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The docs stay true: their example is the code that runs, their references are generated from the code, their
 * links between pages lead somewhere, and the README stays a short way in.
 */
class ReadmeTest {

    private static final Path README = Path.of("..", "..", "README.md");
    private static final Path DOCS = Path.of("..", "..", "docs");
    private static final Path REFERENCE = DOCS.resolve("reference.md");

    @Test
    void shouldShowTheExampleThatIsTested() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/eddy/engine/ReadmeExampleIT.java"));
        String snippet = source.substring(source.indexOf("// README: begin"), source.indexOf("// README: end"))
                .lines().skip(1).map(line -> line.length() >= 8 ? line.substring(8) : line.strip())
                .collect(Collectors.joining("\n"));
        String page = Files.readString(DOCS.resolve("functions.md"));
        assertTrue(page.contains(snippet), "docs/functions.md must show the example of ReadmeExampleIT exactly:\n"
                + snippet);
    }

    @Test
    void shouldHoldTheGeneratedConfigurationReference() throws IOException {
        String table = ConfigDocs.markdown(EngineConfig.definition());
        assertTrue(Files.readString(REFERENCE).contains(table),
                "docs/reference.md's configuration table is out of date; paste the output of './eddy config':\n"
                        + table);
    }

    @Test
    void shouldHoldTheGeneratedManifestReference() throws IOException {
        String table = dev.eddy.engine.manifest.ManifestField.markdownTable();
        assertTrue(Files.readString(REFERENCE).contains(table),
                "docs/reference.md's function.yaml reference is out of date; paste the output of"
                        + " './eddy manifest --reference':\n" + table);
    }

    @Test
    void shouldHoldTheGeneratedMetricsReference() throws IOException {
        String table = dev.eddy.observability.EddyMeter.markdown();
        assertTrue(Files.readString(REFERENCE).contains(table),
                "docs/reference.md's metrics table is out of date; paste the output of './eddy config --metrics':\n"
                        + table);
    }

    @Test
    void shouldKeepTheReadmeShort() throws IOException {
        long size = Files.size(README);
        assertTrue(size < 15_000, "README.md is " + size + " bytes: what is more than a way in belongs in docs/");
    }

    @Test
    void shouldLinkOnlyToPagesAndHeadingsThatExist() throws IOException {
        Pattern link = Pattern.compile("\\]\\(([^)#\\s]*\\.md)?(#[^)\\s]+)?\\)");
        try (var pages = Files.list(DOCS)) {
            for (Path page : java.util.stream.Stream.concat(pages, java.util.stream.Stream.of(README)).toList()) {
                Matcher found = link.matcher(Files.readString(page));
                while (found.find()) {
                    if (found.group(1) == null && found.group(2) == null) {
                        continue;
                    }
                    Path target = found.group(1) == null ? page : page.resolveSibling(found.group(1)).normalize();
                    assertTrue(Files.exists(target), page + " links to " + found.group() + ": no such page");
                    if (found.group(2) != null) {
                        String anchor = found.group(2).substring(1);
                        assertTrue(anchors(Files.readString(target)).contains(anchor), page + " links to "
                                + found.group() + ": no such heading in " + target);
                    }
                }
            }
        }
    }

    /** The anchors GitHub makes of a page's headings: lowercase, punctuation dropped, spaces as '-'. */
    private static java.util.Set<String> anchors(String page) {
        return page.lines().filter(line -> line.startsWith("#"))
                .map(line -> line.replaceFirst("^#+\\s*", "").toLowerCase(java.util.Locale.ROOT)
                        .replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'))
                .collect(Collectors.toSet());
    }
}
