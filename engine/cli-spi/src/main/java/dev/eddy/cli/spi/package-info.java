/**
 * Where optional modules join {@code ./eddy}, each found with {@link java.util.ServiceLoader} (list the
 * implementation in {@code META-INF/services/<interface name>}):
 * <ul>
 *   <li>{@link dev.eddy.cli.spi.CliCommandProvider}: a subcommand ({@code ./eddy trigger}, {@code ./eddy bench});</li>
 *   <li>{@link dev.eddy.cli.spi.DevTriggerProvider}: the adapters {@code ./eddy dev --trigger <kind>=<file>} runs;</li>
 *   <li>{@link dev.eddy.cli.spi.DemoSourceProvider}: the real sources of {@code ./eddy demo}.</li>
 * </ul>
 * The command line depends on this module only; the trigger adapters and the benchmarks depend on it and not on the
 * command line, so either side builds without the other.
 */
package dev.eddy.cli.spi;
