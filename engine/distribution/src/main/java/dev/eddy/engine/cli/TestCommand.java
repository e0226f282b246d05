package dev.eddy.engine.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Documents {@code ./eddy test}, which the launcher script runs itself (Maven's verify on a JDK 21+). */
@Command(name = "test", mixinStandardHelpOptions = true,
        description = {"Runs Eddy's whole test suite.",
            "",
            "Unit tests, and integration tests on a real Kafka broker that the tests start. The ./eddy launcher "
            + "runs it as 'mvn -B verify' on the JDK 21+ it found; extra arguments go to Maven.",
            ""})
final class TestCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.err.println("eddy: 'test' runs through the ./eddy launcher in the source tree: ./eddy test");
        return 2;
    }
}
