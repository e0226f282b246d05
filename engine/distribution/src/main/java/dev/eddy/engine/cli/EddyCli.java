package dev.eddy.engine.cli;

import dev.eddy.cli.spi.CliCommandProvider;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./eddy} command line. Subcommands from other modules (the benchmark harness, for one) join through
 * {@link CliCommandProvider} services on the classpath.
 *
 * <p>A command line names one command, so {@link #main} builds only that one when it is one of the engine's own:
 * building the whole tree (every command's options by reflection, the other modules' commands) is most of what a
 * short command such as {@code ./eddy list} would otherwise spend.
 */
@Command(name = "eddy",
        mixinStandardHelpOptions = true,
        versionProvider = EddyCli.Version.class,
        description = "Serverless functions on Apache Kafka.",
        footer = {"", "Run './eddy <command> --help' to see a command's options."})
public final class EddyCli implements Runnable {

    /** The engine's own commands, in the order the help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(DemoCommand.class, DevCommand.class, RunCommand.class,
            DlqCommand.class, TestCommand.class, ConfigCommand.class, ManifestCommand.class,
            FunctionCommands.Deploy.class, FunctionCommands.List.class, FunctionCommands.Status.class,
            FunctionCommands.Undeploy.class, FunctionCommands.Rollback.class, StateCommand.class, TokenCommand.class,
            LogsCommand.class,
            UsageCommand.class, EventsCommand.class, TopCommand.class, NewCommand.class, TopicsCommand.class,
            TopicCommands.Produce.class, TopicCommands.Consume.class, EngineCommand.class, ClusterCommand.class,
            BrokerCommand.class);

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Commands that run until stopped, and may have shutdown hooks (Ctrl-C) that must run. */
    private static final Set<String> LONG_RUNNING = Set.of("demo", "dev", "run", "engine", "cluster", "broker",
            "bench", "trigger", "test", "top");

    public static void main(String[] args) {
        CommandLine commandLine = commandLineFor(args);
        int status = commandLine.execute(args);
        if (args.length > 0 && LONG_RUNNING.contains(args[0])) {
            System.exit(status);
        }
        // A short command ends without Runtime.exit: since JDK 21 that logs the exit through System.Logger, whose
        // first use looks for a LoggerFinder in every jar on the class path and starts the logging backend, which
        // is a third of what ./eddy list would otherwise take. Nothing of such a command is left to run but output.
        commandLine.getOut().flush();
        commandLine.getErr().flush();
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(status);
    }

    /** The command tree, with every provided subcommand added. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new EddyCli());
        for (Class<?> command : COMMANDS) {
            commandLine.addSubcommand(command);
        }
        commandLine.addSubcommand(CommandLine.HelpCommand.class);
        for (CliCommandProvider provider : ServiceLoader.load(CliCommandProvider.class)) {
            commandLine.addSubcommand(provider.command());
        }
        return configured(commandLine);
    }

    /**
     * The tree a command line needs: the root with only the engine's command it names, or, for anything else (no
     * command, help, another module's command, a mistake), the whole tree.
     */
    static CommandLine commandLineFor(String[] args) {
        if (args.length > 0) {
            for (Class<?> command : COMMANDS) {
                if (command.getAnnotation(Command.class).name().equals(args[0])) {
                    return configured(new CommandLine(new EddyCli()).addSubcommand(command));
                }
            }
        }
        return commandLine();
    }

    /** The error handler and the defaults of the running {@code ./eddy dev}, for the whole tree as built. */
    private static CommandLine configured(CommandLine commandLine) {
        commandLine.setExecutionExceptionHandler(new ErrorHandler());
        commandLine.setDefaultValueProvider(CliContext.defaults());
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
            if (e instanceof dev.eddy.engine.EddyException || e instanceof dev.eddy.engine.local.LocalPlatformException
                    || e instanceof org.apache.kafka.common.config.ConfigException) {
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
