package dev.eddy.engine.manifest;

import dev.eddy.engine.EddyException;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.InvalidFunctionException;
import dev.eddy.engine.language.LanguageCommand;
import dev.eddy.engine.language.LanguageProcesses;
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
        return definition(manifest, loader, null);
    }

    /**
     * @param loader the class loader of a Java function's jar
     * @param code   a Python or Node.js function's unpacked folder
     * @throws InvalidFunctionException when the handler class is missing or unusable, or a secret cannot be read
     */
    public FunctionDefinition definition(Manifest manifest, ClassLoader loader, java.nio.file.Path code) {
        Map<String, String> secrets = resolve(manifest.secrets());
        Object handler = manifest.isRemote() ? remoteHandler(manifest)
                : manifest.isLanguage() ? languageHandler(manifest, code, secrets)
                : instantiate(manifest.handlerClass(), loader);
        return manifest.toDefinition(handler, secrets);
    }

    /**
     * The engine's client of a Python or Node.js function's processes, which it starts as the function opens and
     * sizes by the function's workers: its max concurrency a worker, at most one per processor, none at zero.
     */
    private Object languageHandler(Manifest manifest, java.nio.file.Path code, Map<String, String> secrets) {
        if (code == null) {
            throw new InvalidFunctionException("runtime", manifest.runtime().name().toLowerCase(java.util.Locale.ROOT),
                    "a function deployed as its folder (./eddy deploy <folder>), with its code");
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<String, String> settings = new LinkedHashMap<>();
        try {
            settings.put("EDDY_HANDLER", manifest.handlerClass());
            settings.put("EDDY_DIR", code.toString());
            settings.put("EDDY_PORT", "0");
            settings.put("EDDY_FUNCTION", manifest.name());
            settings.put("EDDY_VERSION", manifest.version());
            settings.put("EDDY_CONFIG", json.writeValueAsString(manifest.config()));
            settings.put("EDDY_SECRETS", json.writeValueAsString(secrets));
            settings.put("EDDY_MEMORY_MB", String.valueOf(manifest.memoryMb()));
            if (!manifest.stateValues().isEmpty()) {
                settings.put("EDDY_STATE_VALUES", json.writeValueAsString(manifest.stateValues()));
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        LanguageCommand command = LanguageCommand.of(manifest, code, LanguageCommand.sdkHome(), environment);
        // maxConcurrency processes a worker, at most one a core: a language process computes on one core.
        RemoteHandler remote = new RemoteHandler(new LanguageProcesses(manifest, code, command, settings,
                manifest.maxConcurrency(), Runtime.getRuntime().availableProcessors()),
                manifest.keyFormat(), manifest.valueFormat(), manifest.timeout());
        return manifest.stateValues().isEmpty() ? remote
                : new StatefulRemoteHandler(remote, manifest.stateValues(), manifest.stateTtl());
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
