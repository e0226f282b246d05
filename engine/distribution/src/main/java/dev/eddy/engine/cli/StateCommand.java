package dev.eddy.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code eddy state get|list}: a function's keyed state, read through a running engine's admin API. */
@Command(name = "state", mixinStandardHelpOptions = true,
        description = {"Reads a function's keyed state through a running engine, whichever engine owns the keys.", ""},
        subcommands = {StateCommand.Get.class, StateCommand.ListKeys.class})
final class StateCommand implements Runnable {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void run() {
        System.err.println("Give a subcommand: 'state get <function> <key>' or 'state list <function>'.");
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "Shows one key's state: each piece by name, its value or entries, and when it expires; for a"
                    + " windowed function, the key's open windows and its latest results.")
    static final class Get extends FunctionCommands.ApiCommand {
        @Parameters(index = "0", paramLabel = "FUNCTION", description = "The function.")
        String function;

        @Parameters(index = "1", paramLabel = "KEY", description = "The record key, as text (base64:<bytes> for a"
                + " binary key).")
        String key;

        @Override
        void run() throws Exception {
            JsonNode state = client.get("/" + function + "/state?key=" + encode(key));
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the keys that have state, a page"
            + " at a time.")
    static final class ListKeys extends FunctionCommands.ApiCommand {
        @Parameters(index = "0", paramLabel = "FUNCTION", description = "The function.")
        String function;

        @Option(names = "--limit", defaultValue = "100", paramLabel = "<n>",
                description = "Keys per page, 1 to 1000. Default: ${DEFAULT-VALUE}.")
        int limit;

        @Option(names = "--cursor", paramLabel = "<cursor>", description = "Where the previous page ended.")
        String cursor;

        @Override
        void run() throws Exception {
            JsonNode page = client.get("/" + function + "/state?limit=" + limit
                    + (cursor == null ? "" : "&cursor=" + encode(cursor)));
            page.get("keys").forEach(key -> System.out.println(key.asText()));
            if (page.hasNonNull("next")) {
                System.out.println("(more: --cursor " + page.get("next").asText() + ")");
            } else if (page.get("keys").isEmpty()) {
                System.out.println("(no keys with state)");
            }
        }
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
