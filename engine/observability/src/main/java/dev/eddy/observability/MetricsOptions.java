package dev.eddy.observability;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import picocli.CommandLine.Option;

/**
 * The command-line options of a metrics endpoint ({@code --metrics-host}, {@code --metrics-port}), mixed into the
 * commands that run an engine or an adapter. The port's default is the command's own; set through {@link #port}.
 */
public final class MetricsOptions {

    @Option(names = "--metrics-host", defaultValue = "127.0.0.1", paramLabel = "<address>",
            description = "The address the Prometheus endpoint (/metrics) listens on. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--metrics-port", paramLabel = "<port>",
            description = "The Prometheus endpoint's port; 0 for any free one, -1 for no endpoint. Default: 9404 for"
                    + " an engine, 9405 for a trigger adapter.")
    Integer port;

    /**
     * Starts the endpoint unless the port given is -1.
     *
     * @return the endpoint, or null when there is none
     * @throws IllegalArgumentException when the port cannot be had or is not a port
     */
    public MetricsEndpoint start(PrometheusMeterRegistry registry, int defaultPort) {
        int chosen = port == null ? defaultPort : port;
        if (chosen == -1) {
            return null;
        }
        if (chosen < 0 || chosen > 65535) {
            throw new IllegalArgumentException("--metrics-port " + chosen + " is not a port: give 0 to 65535, or -1"
                    + " for no metrics endpoint");
        }
        return MetricsEndpoint.start(host, chosen, registry, "--metrics-port");
    }
}
