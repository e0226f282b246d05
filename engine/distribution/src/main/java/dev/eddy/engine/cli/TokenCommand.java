package dev.eddy.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code eddy token create|list|revoke}: the admin API's scoped tokens, managed with the admin token. */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = {"Makes, lists and revokes scoped tokens for the admin API (with the admin token). A scoped"
                + " token has a role — read (list, status), operate (also state, rollback), deploy (also deploy,"
                + " undeploy) — and opens only the functions whose names start with its prefix.", ""},
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand implements Runnable {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void run() {
        System.err.println("Give a subcommand: 'token create --role <role> --prefix <prefix>', 'token list' or"
                + " 'token revoke <id>'.");
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Makes a token and prints it: it is shown this once (the engines keep only its hash).")
    static final class Create extends FunctionCommands.ApiCommand {
        @Option(names = "--role", required = true, paramLabel = "<role>",
                description = "read, operate or deploy.")
        String role;

        @Option(names = "--prefix", defaultValue = "", paramLabel = "<prefix>",
                description = "The start of the names of the functions it opens, such as team-a-. Default: every"
                        + " function.")
        String prefix;

        @Option(names = "--description", defaultValue = "", paramLabel = "<text>",
                description = "Whose it is, or what for.")
        String description;

        @Override
        void run() throws Exception {
            byte[] body = JSON.writeValueAsBytes(JSON.createObjectNode().put("role", role.toLowerCase(Locale.ROOT))
                    .put("prefix", prefix).put("description", description));
            JsonNode made = client.at("/v1/tokens").post("", "application/json", body);
            System.out.println(made.get("token").asText());
            System.err.printf(Locale.ROOT, "Token %s: %s on functions named '%s...'. Keep it: it is not shown"
                    + " again; './eddy token revoke %s' ends it.%n", made.get("id").asText(),
                    made.get("role").asText(), made.get("prefix").asText(), made.get("id").asText());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the scoped tokens (never their"
            + " secrets).")
    static final class ListTokens extends FunctionCommands.ApiCommand {
        @Override
        void run() throws Exception {
            JsonNode tokens = client.at("/v1/tokens").get("").get("tokens");
            if (tokens.isEmpty()) {
                System.out.println("No scoped tokens.");
                return;
            }
            System.out.printf(Locale.ROOT, "%-10s %-8s %-20s %-21s %s%n", "ID", "ROLE", "PREFIX", "CREATED",
                    "DESCRIPTION");
            for (JsonNode token : tokens) {
                System.out.printf(Locale.ROOT, "%-10s %-8s %-20s %-21s %s%n", token.get("id").asText(),
                        token.get("role").asText(), token.get("prefix").asText().isEmpty() ? "(every function)"
                                : token.get("prefix").asText(), token.get("created").asText(),
                        token.get("description").asText());
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Ends a token, on every engine of the"
            + " cluster at once.")
    static final class Revoke extends FunctionCommands.ApiCommand {
        @Parameters(paramLabel = "ID", description = "The token's id (./eddy token list).")
        String id;

        @Override
        void run() throws Exception {
            client.at("/v1/tokens").delete("/" + java.net.URLEncoder.encode(id, StandardCharsets.UTF_8));
            System.out.println("Revoked " + id + ".");
        }
    }
}
