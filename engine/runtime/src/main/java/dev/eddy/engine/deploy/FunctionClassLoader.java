package dev.eddy.engine.deploy;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Enumeration;

/**
 * The class loader of one deployed function version: the classes of its jar (dependencies shaded in, if it has
 * any), the JDK, and, from the engine, the function SDK and the SLF4J API — so that two functions, or two versions
 * of one, can use different versions of the same library, and a function cannot reach into the engine. SLF4J comes
 * from the engine first (what the jar bundles of it only when the engine has no such class), so that what a
 * function, or a library it bundles (Avro, say), logs through SLF4J goes to the engine's log, and a jar that brings
 * the API without a provider does not print SLF4J's "no providers" warning on every start.
 */
public final class FunctionClassLoader extends URLClassLoader {

    private static final String SDK_PACKAGE = "dev.eddy.sdk.";
    private static final String SLF4J_PACKAGE = "org.slf4j.";

    static {
        registerAsParallelCapable();
    }

    private final ClassLoader engine;

    public FunctionClassLoader(String functionName, Path jar) throws IOException {
        super("eddy-function-" + functionName, new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        this.engine = FunctionClassLoader.class.getClassLoader();
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (name.startsWith(SDK_PACKAGE)) {
            return engine.loadClass(name); // one SDK for all: the engine talks to the handler through its types
        }
        if (name.startsWith(SLF4J_PACKAGE)) {
            try {
                return engine.loadClass(name);
            } catch (ClassNotFoundException notTheEngines) {
                // a part of SLF4J the engine does not have (a provider the jar bundles): the jar's own
            }
        }
        return super.loadClass(name, resolve);
    }

    @Override
    public URL getResource(String name) {
        if (name.startsWith("META-INF/services/" + SDK_PACKAGE)) {
            return engine.getResource(name);
        }
        return super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        if (name.startsWith("META-INF/services/" + SDK_PACKAGE)) {
            return engine.getResources(name);
        }
        return super.getResources(name);
    }
}
