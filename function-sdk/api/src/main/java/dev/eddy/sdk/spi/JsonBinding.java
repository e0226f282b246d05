package dev.eddy.sdk.spi;

import dev.eddy.sdk.Codec;
import java.util.Iterator;
import java.util.ServiceLoader;

/**
 * Binds JSON to Java types for {@link Codec#json}. The SDK has no JSON library of its own: the engine provides one
 * (Jackson), found through {@link ServiceLoader}, and so does the test kit.
 */
public interface JsonBinding {

    /** A codec of JSON documents bound to the type. */
    <T> Codec<T> codec(Class<T> type);

    /**
     * The JSON binding on the class path: the one beside the SDK first (the engine's), else the one the thread's
     * context class loader sees.
     *
     * @throws IllegalStateException when there is none
     */
    static JsonBinding find() {
        Iterator<JsonBinding> bindings = ServiceLoader.load(JsonBinding.class, JsonBinding.class.getClassLoader())
                .iterator();
        if (!bindings.hasNext()) {
            bindings = ServiceLoader.load(JsonBinding.class).iterator();
        }
        if (!bindings.hasNext()) {
            throw new IllegalStateException("Codec.json needs a JSON binding on the class path, and there is none:"
                    + " the engine brings one; in unit tests add dev.eddy:eddy-function-sdk-testing");
        }
        return bindings.next();
    }
}
