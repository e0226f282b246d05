package dev.eddy.cli.spi;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** Real sources for {@code ./eddy demo}: devices over MQTT, a log file, a changing table, a timer. */
public interface DemoSourceProvider {

    /**
     * Starts what this machine allows, saying on {@code out} which sources started and which were skipped, and why.
     * A source that cannot start is skipped, not an error.
     */
    RunningSources start(Demo demo, PrintStream out);

    /**
     * @param platform where the sources publish
     * @param workDir  where a source may keep files (a log file being written, a broker's configuration)
     * @param topics   the topic each source writes to, by the source's name as the demo shows it ({@code MQTT},
     *                 {@code log file}, {@code PostgreSQL}, {@code timer})
     */
    record Demo(LocalEndpoints platform, Path workDir, Map<String, String> topics) {

        public Demo {
            topics = Map.copyOf(topics);
        }

        /** The topic of a source, by its name. */
        public String topic(String source) {
            String topic = topics.get(source);
            if (topic == null) {
                throw new IllegalArgumentException("The demo has no source '" + source + "'; it has " + topics.keySet());
            }
            return topic;
        }
    }

    /** The sources that started; closing them stops them and removes what they made. */
    interface RunningSources extends AutoCloseable {

        /** The names of the sources that started (the demo counts only those). */
        Set<String> started();
    }
}
