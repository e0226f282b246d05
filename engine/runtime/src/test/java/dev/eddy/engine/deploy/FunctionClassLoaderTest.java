package dev.eddy.engine.deploy;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a function's class loader takes from the engine (the SDK, SLF4J) and what from the function's jar. */
class FunctionClassLoaderTest {

    @Test
    void shouldShareSlf4jAndTheSdkButNotTheRestOfWhatTheJarBundles(@TempDir Path dir) throws Exception {
        // A jar that bundles slf4j-api and Jackson, as a function jar with Avro in it does.
        Path jar = dir.resolve("function.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            copy(out, org.slf4j.LoggerFactory.class);
            copy(out, com.fasterxml.jackson.core.Versioned.class);
        }
        try (FunctionClassLoader loader = new FunctionClassLoader("f", jar)) {
            assertSame(org.slf4j.LoggerFactory.class, loader.loadClass("org.slf4j.LoggerFactory"),
                    "SLF4J is the engine's, so what the function logs goes to the engine's log");
            assertSame(dev.eddy.sdk.Handler.class, loader.loadClass("dev.eddy.sdk.Handler"));
            assertNotSame(com.fasterxml.jackson.core.Versioned.class,
                    loader.loadClass("com.fasterxml.jackson.core.Versioned"), "the jar's own libraries");
        }
    }

    private static void copy(JarOutputStream out, Class<?> type) throws Exception {
        String name = type.getName().replace('.', '/') + ".class";
        out.putNextEntry(new JarEntry(name));
        try (InputStream in = type.getClassLoader().getResourceAsStream(name)) {
            in.transferTo((OutputStream) out);
        }
        out.closeEntry();
    }
}
