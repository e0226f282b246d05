package dev.eddy.engine.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.InvalidFunctionException;
import dev.eddy.engine.remote.RemoteHandler;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FunctionFactoryTest {

    /** A handler as a function jar holds one. */
    public static final class Echo implements Handler {
        @Override
        public void handle(Event event, Context context) {
            context.emit(event);
        }
    }

    /** Not usable: no public no-argument constructor. */
    public static final class NeedsArgument implements Handler {
        public NeedsArgument(String argument) {
        }

        @Override
        public void handle(Event event, Context context) {
        }
    }

    private final FunctionFactory factory = new FunctionFactory(Map.of("TOKEN", "from-env")::get);

    @Test
    void shouldInstantiateTheHandlerAndResolveItsSecrets(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("password"), "from-file\n");
        Manifest manifest = ManifestParser.parse("name: echo\nhandler: " + Echo.class.getName() + "\ninputs: [in]\n"
                + "outputs: {default: out}\nsecrets: {token: env:TOKEN, password: \"file:" + file + "\"}\n");
        FunctionDefinition definition = factory.definition(manifest, getClass().getClassLoader());
        assertTrue(definition.handler() instanceof Echo);
        assertEquals(Map.of("token", "from-env", "password", "from-file"), definition.secrets());
    }

    @Test
    void shouldMakeTheClientOfARemoteFunction() {
        Manifest manifest = ManifestParser.parse("name: r\nremote: {url: \"http://127.0.0.1:1/f\"}\ninputs: [in]\n");
        assertTrue(factory.definition(manifest, null).batchHandler() instanceof RemoteHandler);
    }

    @Test
    void shouldSayWhatIsWrongWithTheHandlerClass() {
        InvalidFunctionException missing = assertThrows(InvalidFunctionException.class, () -> factory.definition(
                ManifestParser.parse("name: f\nhandler: com.example.Missing\ninputs: [in]\n"), getClass().getClassLoader()));
        assertEquals("Invalid function field 'handler' = 'com.example.Missing': a class in the function's jar; the"
                + " jar has no such class", missing.getMessage());
        InvalidFunctionException constructor = assertThrows(InvalidFunctionException.class, () -> factory.definition(
                ManifestParser.parse("name: f\nhandler: " + NeedsArgument.class.getName() + "\ninputs: [in]\n"),
                getClass().getClassLoader()));
        assertTrue(constructor.getMessage().contains("public no-argument constructor"), constructor.getMessage());
        InvalidFunctionException notAHandler = assertThrows(InvalidFunctionException.class, () -> factory.definition(
                ManifestParser.parse("name: f\nhandler: java.lang.Object\ninputs: [in]\n"), getClass().getClassLoader()));
        assertTrue(notAHandler.getMessage().contains("implementing dev.eddy.sdk.Handler"), notAHandler.getMessage());
    }

    @Test
    void shouldNameTheSecretThatCannotBeRead() {
        InvalidFunctionException error = assertThrows(InvalidFunctionException.class, () -> factory.definition(
                ManifestParser.parse("name: f\nhandler: " + Echo.class.getName() + "\ninputs: [in]\n"
                        + "secrets: {db: env:DB_PASSWORD}\n"), getClass().getClassLoader()));
        assertEquals("secrets.db", error.field());
        assertTrue(error.getMessage().contains("DB_PASSWORD is not set on this engine"), error.getMessage());
    }
}
