package dev.eddy.engine.demo;

import dev.eddy.engine.deploy.FunctionArchive;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;

/**
 * The demo's function as a function jar: {@link TemperatureMonitor} and its records, with its function.yaml at the
 * root — what a function project's {@code mvn package} makes — so that local mode deploys it the way users deploy
 * theirs, into a class loader of its own.
 */
final class SampleFunctionJar {

    private static final String MANIFEST = "/dev/eddy/engine/demo/temperature-monitor.yaml";

    private SampleFunctionJar() {
    }

    static FunctionArchive archive() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes)) {
            for (Class<?> type : TemperatureMonitor.class.getNestMembers()) {
                String entry = type.getName().replace('.', '/') + ".class";
                jar.putNextEntry(new ZipEntry(entry));
                try (InputStream in = type.getResourceAsStream("/" + entry)) {
                    in.transferTo(jar);
                }
            }
            jar.putNextEntry(new ZipEntry(FunctionArchive.MANIFEST_ENTRY));
            try (InputStream in = SampleFunctionJar.class.getResourceAsStream(MANIFEST)) {
                in.transferTo(jar);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot pack the demo's function", e);
        }
        return FunctionArchive.ofJar(bytes.toByteArray());
    }
}
