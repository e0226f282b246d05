package dev.eddy.engine.deploy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;

/** Builds function jars for tests: compiled test classes and a function.yaml. */
final class FunctionJars {

    private FunctionJars() {
    }

    /** A jar with the classes (from the test class path) and the manifest, plus any extra entries. */
    static byte[] jar(String manifest, Map<String, byte[]> extra, Class<?>... classes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes)) {
            for (Class<?> type : classes) {
                String entry = type.getName().replace('.', '/') + ".class";
                try (InputStream in = type.getClassLoader().getResourceAsStream(entry)) {
                    jar.putNextEntry(new ZipEntry(entry));
                    in.transferTo(jar);
                }
            }
            if (manifest != null) {
                jar.putNextEntry(new ZipEntry(FunctionArchive.MANIFEST_ENTRY));
                jar.write(manifest.getBytes(StandardCharsets.UTF_8));
            }
            for (Map.Entry<String, byte[]> entry : extra.entrySet()) {
                jar.putNextEntry(new ZipEntry(entry.getKey()));
                jar.write(entry.getValue());
            }
        }
        return bytes.toByteArray();
    }
}
