package dev.eddy.engine.cli;

/**
 * Adds a subcommand to {@code ./eddy} from another module, found with {@link java.util.ServiceLoader}: list the
 * implementation in {@code META-INF/services/dev.eddy.engine.cli.CliCommandProvider}.
 */
public interface CliCommandProvider {

    /** A picocli command object (a class annotated with {@code @Command}). */
    Object command();
}
