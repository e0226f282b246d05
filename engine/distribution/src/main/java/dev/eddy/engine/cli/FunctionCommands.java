package dev.eddy.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** The commands that talk to a running engine's admin API: deploy, list, status, undeploy, rollback. */
final class FunctionCommands {

    private FunctionCommands() {
    }

    /** Runs a call to the admin API, printing its failure as the user should see it (also for {@code eddy state}). */
    abstract static class ApiCommand implements Callable<Integer> {
        @Mixin
        ApiClient client;

        @Override
        public Integer call() throws Exception {
            try {
                run();
                return 0;
            } catch (ApiClient.ApiException e) {
                System.err.println(e.getMessage());
                return 1;
            }
        }

        abstract void run() throws Exception;
    }

    @Command(name = "deploy", mixinStandardHelpOptions = true,
            description = {"Deploys a function to an engine: a Java function's jar, a Python or Node.js function's",
                "folder (or its function.yaml), or a remote function's function.yaml. A jar carries its",
                "function.yaml at its root. A function of the same name is replaced: its records in flight",
                "complete and are committed, then the new version starts where it stopped."})
    static final class Deploy extends ApiCommand {
        @Parameters(paramLabel = "FILE", description = "The function's jar; a Python or Node.js function's folder or"
                + " its function.yaml; or a remote function's function.yaml.")
        Path file;

        @Override
        void run() throws ApiClient.ApiException {
            byte[] body;
            String type;
            try {
                String name = file.getFileName().toString();
                boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
                if (Files.isDirectory(file) || yaml && isLanguage(file)) {
                    body = FunctionFolder.zip(Files.isDirectory(file) ? file : file.toAbsolutePath().getParent());
                    type = "application/zip";
                } else {
                    body = Files.readAllBytes(file);
                    type = yaml ? "application/yaml" : "application/java-archive";
                }
            } catch (IOException e) {
                throw new ApiClient.ApiException("Cannot read " + file + ": " + e.getMessage());
            }
            JsonNode done = client.post("", type, body);
            System.out.printf(Locale.ROOT, "Deployed %s version %s%s.%n", done.get("function").asText(),
                    done.get("version").asText(), done.get("previousVersion").isNull() ? ""
                            : " (replacing version " + done.get("previousVersion").asText() + ")");
        }
    }

    /** Whether the manifest names a runtime whose folder is deployed (python, node). */
    private static boolean isLanguage(Path manifest) throws IOException {
        try {
            return dev.eddy.engine.manifest.ManifestParser.parse(Files.readString(manifest)).isLanguage();
        } catch (dev.eddy.engine.InvalidFunctionException e) {
            return false; // the engine says what is wrong with it
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the functions of a running engine.")
    static final class List extends ApiCommand {
        @Override
        void run() throws ApiClient.ApiException {
            JsonNode functions = client.get("").get("functions");
            if (functions.isEmpty()) {
                System.out.println("No functions.");
                return;
            }
            System.out.printf(Locale.ROOT, "%-28s %-10s %-9s %-13s %-9s %6s %10s %12s %10s %8s  %s%n", "NAME",
                    "VERSION", "STATE", "DELIVERY", "ORDER", "CONC", "RECORDS/S", "PROCESSED", "FAILED", "DLQ",
                    "INPUTS");
            for (JsonNode function : functions) {
                System.out.printf(Locale.ROOT, "%-28s %-10s %-9s %-13s %-9s %6s %,10.1f %,12d %,10d %,8d  %s%n",
                        function.get("name").asText(), function.get("version").asText(), function.get("state").asText(),
                        function.path("delivery").asText("-"), function.path("ordering").asText("-"),
                        function.path("maxConcurrency").asText("-"), function.get("recordsPerSecond").asDouble(),
                        function.get("succeeded").asLong() + function.get("deadLettered").asLong(),
                        function.get("failed").asLong(), function.get("deadLettered").asLong(), inputs(function));
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Shows one function of a running engine.")
    static final class Status extends ApiCommand {
        @Parameters(paramLabel = "NAME", description = "The function.")
        String name;

        @Override
        void run() throws ApiClient.ApiException {
            JsonNode f = client.get("/" + name);
            System.out.printf(Locale.ROOT, "%s version %s: %s%n", f.get("name").asText(), f.get("version").asText(),
                    f.get("state").asText());
            System.out.printf(Locale.ROOT, "  %-20s %s%n", "handler", f.path("handler").asText("(in-process)"));
            System.out.printf(Locale.ROOT, "  %-20s %s%n", "inputs", inputs(f));
            System.out.printf(Locale.ROOT, "  %-20s %s%n", "outputs", f.get("outputs"));
            System.out.printf(Locale.ROOT, "  %-20s %s%n", "delivery", f.path("delivery").asText("-"));
            System.out.printf(Locale.ROOT, "  %-20s %s, at most %s at once%n", "ordering",
                    f.path("ordering").asText("-"), f.path("maxConcurrency").asText("-"));
            if (f.hasNonNull("window")) {
                System.out.printf(Locale.ROOT, "  %-20s %s%n", "window", f.get("window").asText());
            }
            System.out.printf(Locale.ROOT, "  %-20s %s%n", "versions", f.get("versions"));
            System.out.printf(Locale.ROOT, "  %-20s %d of the inputs%s%n", "partitions here",
                    f.path("inputPartitions").asInt(f.get("assignedPartitions").asInt()),
                    f.get("assignedPartitions").asInt() > f.path("inputPartitions").asInt(Integer.MAX_VALUE)
                            ? " (and the replay topic's)" : "");
            System.out.printf(Locale.ROOT, "  %-20s %,.1f (last minute)%n", "records/s", f.get("recordsPerSecond").asDouble());
            for (String count : new String[] {"received", "succeeded", "failed", "retries", "deadLettered", "emitted"}) {
                System.out.printf(Locale.ROOT, "  %-20s %,d%n", count, f.get(count).asLong());
            }
            if (f.has("desiredWorkers")) {
                System.out.printf(Locale.ROOT, "  %-20s %d%n", "workers here", f.path("workers").asInt());
                System.out.printf(Locale.ROOT, "  %-20s %d (%s)%n", "desired workers", f.get("desiredWorkers").asInt(),
                        f.path("scalingReason").asText());
                System.out.printf(Locale.ROOT, "  %-20s %,d%n", "cold starts", f.path("coldStarts").asLong());
            }
            if (f.hasNonNull("keyedState")) {
                JsonNode state = f.get("keyedState");
                System.out.printf(Locale.ROOT, "  %-20s %s%n", "state store", state.get("store").asText());
                for (JsonNode piece : state.get("declared")) {
                    System.out.printf(Locale.ROOT, "  %-20s %s%s%n", "state " + piece.get("name").asText(),
                            piece.get("kind").asText(), piece.has("ttl") ? ", expires " + piece.get("expires").asText()
                                    + " " + piece.get("ttl").asText() : "");
                }
                System.out.printf(Locale.ROOT, "  %-20s %,d%n", "replays skipped", state.get("replaysSkipped").asLong());
                System.out.printf(Locale.ROOT, "  %-20s %,d%n", "keys expired", state.get("expired").asLong());
            }
            if (f.hasNonNull("failure")) {
                System.out.printf(Locale.ROOT, "  %-20s %s%n", "failure", f.get("failure").asText());
            }
        }
    }

    @Command(name = "undeploy", mixinStandardHelpOptions = true,
            description = "Stops a function (its records in flight complete and are committed) and removes it.")
    static final class Undeploy extends ApiCommand {
        @Parameters(paramLabel = "NAME", description = "The function.")
        String name;

        @Override
        void run() throws ApiClient.ApiException {
            client.delete("/" + name);
            System.out.println("Undeployed " + name + ".");
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Goes back to the version of a function deployed before the running one.")
    static final class Rollback extends ApiCommand {
        @Parameters(paramLabel = "NAME", description = "The function.")
        String name;

        @Override
        void run() throws ApiClient.ApiException {
            JsonNode done = client.post("/" + name + "/rollback", "application/json", new byte[0]);
            System.out.printf(Locale.ROOT, "%s is back at version %s (version %s removed).%n", name,
                    done.get("version").asText(), done.get("previousVersion").asText());
        }
    }

    private static String inputs(JsonNode function) {
        return function.hasNonNull("inputPattern") ? "/" + function.get("inputPattern").asText() + "/"
                : function.get("inputs").toString();
    }
}
