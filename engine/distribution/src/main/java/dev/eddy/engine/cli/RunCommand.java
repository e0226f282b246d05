package dev.eddy.engine.cli;

import dev.eddy.engine.Delivery;
import dev.eddy.engine.Engine;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionBuilder;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.Ordering;
import dev.eddy.engine.RetryPolicy;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.StateBackend;
import dev.eddy.sdk.Handler;
import dev.eddy.sdk.window.WindowedFunction;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./eddy run}: an engine process with one function, on any Kafka cluster, until it is told to stop. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs an engine with one function on a Kafka cluster until SIGTERM or Ctrl-C.",
            "",
            "The handler is a class on the classpath with a public no-argument constructor: a Handler, or a "
            + "WindowedFunction (its windows as its code declares them). Several engines "
            + "running the same function share its consumer group, so Kafka spreads the partitions over them. "
            + "On SIGTERM the engine stops taking records, lets those in flight complete, commits and exits.",
            ""})
final class RunCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "<host:port,...>",
            description = "The Kafka cluster.")
    private String bootstrapServers;

    @Option(names = "--name", required = true, paramLabel = "<name>", description = "The function's name.")
    private String name;

    @Option(names = "--handler", required = true, paramLabel = "<class>",
            description = "The handler class, e.g. com.example.Upper.")
    private String handlerClass;

    @Option(names = "--input", required = true, paramLabel = "<topic>", description = "An input topic (repeatable).")
    private List<String> inputs = new ArrayList<>();

    @Option(names = "--output", paramLabel = "<[name=]topic>",
            description = "An output: a topic for the default output, or name=topic (repeatable).")
    private List<String> outputs = new ArrayList<>();

    @Option(names = "--ordering", defaultValue = "KEY", paramLabel = "<order>",
            description = "${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    private Ordering ordering;

    @Option(names = "--delivery", paramLabel = "<guarantee>",
            description = "${COMPLETION-CANDIDATES}. Default: AT_LEAST_ONCE (a windowed function: EXACTLY_ONCE).")
    private Delivery delivery;

    @Option(names = "--max-concurrency", paramLabel = "<n>",
            description = "Handler calls at once. Default: as in function.yaml (see ./eddy manifest).")
    private Integer maxConcurrency;

    @Option(names = "--max-attempts", paramLabel = "<n>",
            description = "Attempts per record before it is dead-lettered. Default: as in function.yaml"
                    + " (see ./eddy manifest).")
    private Integer maxAttempts;

    @Option(names = "--timeout", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "How long one handler call may take. Default: as in function.yaml (see ./eddy manifest).")
    private Duration timeout;

    @Option(names = "--state-store", paramLabel = "<store>",
            description = "Where the handler's keyed state is kept: kafka (default), redis or postgres.")
    private String stateStore;

    @Option(names = "--state-url", paramLabel = "<url>",
            description = "The redis:// or jdbc:postgresql:// URL of the state store.")
    private String stateUrl;

    @Option(names = "--set", paramLabel = "<key=value>",
            description = "An engine setting (see ./eddy config), repeatable.")
    private Map<String, String> settings = new LinkedHashMap<>();

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Object handler = instantiate();
        FunctionBuilder builder = FunctionDefinition.builder(name).ordering(ordering);
        if (delivery != null) {
            builder.delivery(delivery);
        }
        if (handler instanceof WindowedFunction<?, ?, ?> windowed) {
            builder.windowed(windowed);
        } else {
            builder.handler((Handler) handler);
        }
        inputs.forEach(builder::input);
        for (String output : outputs) {
            int equals = output.indexOf('=');
            if (equals < 0) {
                builder.output(output);
            } else {
                builder.output(output.substring(0, equals), output.substring(equals + 1));
            }
        }
        if (maxConcurrency != null) {
            builder.maxConcurrency(maxConcurrency);
        }
        if (maxAttempts != null) {
            builder.retry((Delivery.EXACTLY_ONCE.equals(delivery)
                    ? RetryPolicy.DEFAULT.withMaxAge(Duration.ofSeconds(30))
                    : RetryPolicy.DEFAULT).withMaxAttempts(maxAttempts));
        }
        if (timeout != null) {
            builder.timeout(timeout);
        }
        builder.stateStore(StateBackend.of(stateStore, stateUrl));
        FunctionDefinition function = builder.build();
        Map<String, Object> config = new HashMap<>(settings);
        config.put(EngineConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        Interruptible run = new Interruptible();
        try (Engine engine = new Engine(new EngineConfig(config), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            System.out.println("Running " + function + " on " + bootstrapServers + ". SIGTERM or Ctrl-C stops.");
            while (!run.stopSignal().await(1, TimeUnit.SECONDS)) {
                if (running.failure().isPresent()) {
                    System.err.println("eddy: " + running.failure().get().getMessage());
                    return 1;
                }
            }
            System.out.println("Stopping: finishing the records in flight and committing.");
            engine.close();
            System.out.println("Stopped.");
        } finally {
            run.done();
        }
        return 0;
    }

    private Object instantiate() {
        try {
            Class<?> type = Class.forName(handlerClass);
            if (!Handler.class.isAssignableFrom(type) && !WindowedFunction.class.isAssignableFrom(type)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--handler " + handlerClass
                        + " implements neither " + Handler.class.getName() + " nor " + WindowedFunction.class.getName());
            }
            return type.getConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--handler " + handlerClass
                    + " is not on the classpath");
        } catch (ReflectiveOperationException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--handler " + handlerClass
                    + " has no public no-argument constructor, or it threw: " + e);
        }
    }
}
