package dev.eddy.engine.cli;

import dev.eddy.engine.demo.Demo;
import dev.eddy.engine.demo.DemoSummary;
import dev.eddy.engine.demo.DemoView;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./eddy demo}: the whole pipeline, live, with nothing to set up. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Shows the whole pipeline working on this machine, live.",
            "",
            "Starts a Kafka broker and the engine, deploys a sample IoT function (temperature readings → checked "
            + "readings and alerts) and drives it from simulated devices, showing throughput and latency as it "
            + "runs; where a Python with scikit-learn is found, a Python function scores every reading for anomalies "
            + "(examples/anomaly-python). Ends on Ctrl-C or after --duration with a summary, and stops everything it "
            + "started.",
            ""})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--duration", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "How long the devices send, e.g. 20s or 5m. Default: until Ctrl-C.")
    private Duration duration;

    @Option(names = "--rate", defaultValue = "2000", paramLabel = "<readings/s>",
            description = "Readings per second from all devices together. Default: ${DEFAULT-VALUE}.")
    private double rate;

    @Option(names = "--devices", defaultValue = "200", paramLabel = "<n>",
            description = "Number of simulated devices. Default: ${DEFAULT-VALUE}.")
    private int devices;

    @Option(names = "--no-anomalies", description = "Leave out the Python anomaly scoring (examples/anomaly-python,"
            + " run where a Python 3.11+ with scikit-learn is found).")
    private boolean noAnomalies;

    @Option(names = "--plain", description = "Print one line per second instead of redrawing the view.")
    private boolean plain;

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (rate <= 0 || rate > 1_000_000) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--rate must be between 1 and 1000000 readings/s, was " + rate);
        }
        if (devices < 1 || devices > 100_000) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--devices must be between 1 and 100000, was " + devices);
        }
        boolean terminal = !plain && System.console() != null && !"dumb".equals(System.getenv("TERM"));
        Interruptible run = new Interruptible();
        try {
            DemoSummary summary = new Demo(devices, rate, new DemoView(System.out, terminal),
                    dev.eddy.engine.demo.DeviceStats.DEFAULT_SIZE, !noAnomalies).run(duration, run.stopSignal());
            System.out.println("Everything the demo started has stopped.");
            return summary.balanced() && summary.windowsBalanced() ? 0 : 1;
        } finally {
            run.done();
        }
    }
}
