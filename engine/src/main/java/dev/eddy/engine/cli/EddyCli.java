package dev.eddy.engine.cli;

import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./eddy} command line. Subcommands from other modules (the benchmark harness, for one) join through
 * {@link CliCommandProvider} services on the classpath.
 */
@Command(name = "eddy",
        mixinStandardHelpOptions = true,
        versionProvider = EddyCli.Version.class,
        description = "Serverless functions on Apache Kafka.",
        subcommands = {DemoCommand.class, DevCommand.class, RunCommand.class, DlqCommand.class, TestCommand.class,
            ConfigCommand.class, ManifestCommand.class, FunctionCommands.Deploy.class, FunctionCommands.List.class,
            FunctionCommands.Status.class, FunctionCommands.Undeploy.class, FunctionCommands.Rollback.class,
            StateCommand.class, LogsCommand.class, UsageCommand.class, EventsCommand.class, TopCommand.class,
            NewCommand.class, TopicCommands.Produce.class, TopicCommands.Consume.class, EngineCommand.class,
            ClusterCommand.class, BrokerCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "Run './eddy <command> --help' to see a command's options."})
public final class EddyCli implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree, with every provided subcommand added. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new EddyCli());
        for (CliCommandProvider provider : ServiceLoader.load(CliCommandProvider.class)) {
            commandLine.addSubcommand(provider.command());
        }
        // Commands of modules the engine does not depend on (the trigger adapters).
        for (Object command : dev.eddy.engine.internal.ListedClasses.instances("cli-commands")) {
            commandLine.addSubcommand(command);
        }
        commandLine.setExecutionExceptionHandler(new ErrorHandler());
        return commandLine;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Prints an Eddy error as one clear line (the log file has the stack trace), anything else in full. */
    private static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parsed) {
            org.slf4j.LoggerFactory.getLogger(EddyCli.class).debug("Command failed", e);
            if (e instanceof dev.eddy.engine.EddyException || e instanceof org.apache.kafka.common.config.ConfigException) {
                commandLine.getErr().println("eddy: " + e.getMessage());
                return 1;
            }
            commandLine.getErr().println("eddy: " + e);
            e.printStackTrace(commandLine.getErr());
            return 1;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = EddyCli.class.getPackage().getImplementationVersion();
            return new String[] {"Eddy " + (version == null ? "(development build)" : version)
                    + ", Java " + Runtime.version()};
        }
    }
}
