package dev.eddy.engine.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;

/**
 * Classes named in {@code META-INF/eddy/<list>} files on the class path, one a line: how modules the engine does not
 * depend on (the trigger adapters) add commands, demo sources and the adapters of {@code ./eddy dev}, each through a
 * JDK type, so that neither side compiles against the other.
 */
public final class ListedClasses {

    private ListedClasses() {
    }

    /**
     * An instance of each class listed under that name, made with its no-argument constructor.
     *
     * @throws IllegalStateException when a listed class cannot be made
     */
    public static List<Object> instances(String list) {
        List<Object> made = new ArrayList<>();
        for (String name : names(list)) {
            try {
                made.add(Class.forName(name).getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new IllegalStateException("The class " + name + " listed in META-INF/eddy/" + list
                        + " cannot be made: " + e, e);
            }
        }
        return made;
    }

    private static List<String> names(String list) {
        List<String> names = new ArrayList<>();
        try {
            Enumeration<URL> files = ListedClasses.class.getClassLoader().getResources("META-INF/eddy/" + list);
            while (files.hasMoreElements()) {
                try (InputStream in = files.nextElement().openStream()) {
                    for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\\R")) {
                        if (!line.isBlank() && !line.strip().startsWith("#")) {
                            names.add(line.strip());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read META-INF/eddy/" + list + ": " + e.getMessage(), e);
        }
        return names;
    }
}
