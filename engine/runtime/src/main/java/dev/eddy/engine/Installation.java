package dev.eddy.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where Eddy's own files are: under {@code eddy.home} (or {@code EDDY_HOME}) when it runs from an installation, else
 * in the nearest source checkout above the working directory (as in tests and {@code ./eddy}).
 */
public final class Installation {

    private Installation() {
    }

    /**
     * The folder at {@code relative} (such as {@code function-sdk}) of the installation, found by a file or folder
     * {@code marker} in it.
     */
    public static Optional<Path> find(String relative, String marker) {
        List<Path> roots = new ArrayList<>();
        String home = System.getProperty("eddy.home", System.getenv("EDDY_HOME"));
        if (home != null) {
            roots.add(Path.of(home));
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            roots.add(dir);
        }
        return roots.stream().map(root -> root.resolve(relative))
                .filter(dir -> Files.exists(dir.resolve(marker))).findFirst();
    }
}
