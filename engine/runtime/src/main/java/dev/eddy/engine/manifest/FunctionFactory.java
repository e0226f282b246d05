package dev.eddy.engine.manifest;

import dev.eddy.engine.EddyException;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.InvalidFunctionException;
import dev.eddy.engine.remote.RemoteHandler;
import dev.eddy.engine.remote.StatefulRemoteHandler;
import dev.eddy.observability.SecretReferences;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns a manifest into a function definition: instantiates its handler class from the function's own class
 * loader (or makes the client of its remote endpoint) and resolves its secrets.
 */
public final class FunctionFactory {

    private final Function<String, String> environment;

    /** @param environment how environment variables are read ({@code System::getenv} outside tests) */
    public FunctionFactory(Function<String, String> environment) {
        this.environment = environment;
    }

    /**
     * @param loader the class loader of the function's jar; unused for a remote function
     * @throws InvalidFunctionException when the handler class is missing or unusable, or a secret cannot be read
     */
    public FunctionDefinition definition(Manifest manifest, ClassLoader loader) {
        Object handler = manifest.isRemote() ? remoteHandler(manifest) : instantiate(manifest.handlerClass(), loader);
        return manifest.toDefinition(handler, resolve(manifest.secrets()));
    }

    /** The engine's client of a remote function: per event with its state when it has some, else in batches. */
    static Object remoteHandler(Manifest manifest) {
        RemoteHandler remote = new RemoteHandler(manifest.remoteUrl(), manifest.keyFormat(), manifest.valueFormat(),
                manifest.timeout());
        return manifest.stateValues().isEmpty() ? remote
                : new StatefulRemoteHandler(remote, manifest.stateValues(), manifest.stateTtl());
    }

    private static Object instantiate(String className, ClassLoader loader) {
        Class<?> type;
        try {
            type = Class.forName(className, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new InvalidFunctionException("handler", className, "a class in the function's jar; "
                    + (e instanceof ClassNotFoundException ? "the jar has no such class" : "it cannot be loaded: " + e));
        }
        if (!Modifier.isPublic(type.getModifiers()) || Modifier.isAbstract(type.getModifiers())) {
            throw new InvalidFunctionException("handler", className, "a public, concrete class");
        }
        try {
            Constructor<?> constructor = type.getConstructor();
            return constructor.newInstance();
        } catch (NoSuchMethodException e) {
            throw new InvalidFunctionException("handler", className, "a class with a public no-argument constructor");
        } catch (InvocationTargetException e) {
            throw new dev.eddy.engine.FunctionCodeException("The handler " + className + " failed in its constructor: "
                    + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new InvalidFunctionException("handler", className, "an instantiable class; " + e);
        }
    }

    private Map<String, String> resolve(Map<String, String> references) {
        Map<String, String> values = new LinkedHashMap<>();
        references.forEach((name, reference) -> values.put(name, resolve(name, reference)));
        return values;
    }

    private String resolve(String name, String reference) {
        try {
            return SecretReferences.resolve(reference, environment);
        } catch (SecretReferences.Unresolved e) {
            throw new InvalidFunctionException("secrets." + name, reference, e.expected());
        }
    }
}
