package dev.eddy.cli.spi;

/** Adds a subcommand to {@code ./eddy} from a module the command line does not depend on. */
public interface CliCommandProvider {

    /** A picocli command object (an instance of a class annotated with {@code @Command}). */
    Object command();
}
