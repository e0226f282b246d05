package dev.eddy.engine.kafka;

/**
 * What Eddy calls the things it makes in Kafka, all under one prefix (the engine setting {@code names.prefix},
 * {@code eddy} unless set), so that ACLs with prefixed resource patterns grant an engine exactly these, and two
 * installations can share a cluster: its topics {@code <prefix>.*} (the function store, logs, usage, scaling
 * events and reports; each function's state changelog, dead letters and replays), and its consumer groups and
 * transactional ids {@code <prefix>-<function>...}.
 *
 * @param prefix letters, digits, '_' or '-', 1 to 32 of them
 */
public record Names(String prefix) {

    /** The prefix unless set. */
    public static final String DEFAULT_PREFIX = "eddy";
    /** What a prefix may be. */
    public static final String VALID_PREFIX = "[A-Za-z0-9][A-Za-z0-9_-]{0,31}";

    public static final Names DEFAULT = new Names(DEFAULT_PREFIX);

    public Names {
        if (prefix == null || !prefix.matches(VALID_PREFIX)) {
            throw new IllegalArgumentException("A names prefix is 1 to 32 letters, digits, '_' or '-', starting with"
                    + " a letter or digit, not '" + prefix + "'");
        }
    }

    /** Where deployed functions' versions are kept. */
    public String functions() {
        return topic("functions");
    }

    /** Where deployed functions' jars are kept. */
    public String jars() {
        return topic("function.jars");
    }

    /** Where functions' log lines go. */
    public String logs() {
        return topic("logs");
    }

    /** Where the admin API's scoped tokens are kept (their hashes). */
    public String apiTokens() {
        return topic("api.tokens");
    }

    /** Where engines write what functions used. */
    public String usage() {
        return topic("usage");
    }

    /** Where engines write their scaling decisions. */
    public String events() {
        return topic("events");
    }

    /** Where engines tell each other what their functions see, and the scaling decisions for the cluster. */
    public String scaling() {
        return topic("scaling");
    }

    /** A function's consumer group, and the start of its transactional ids. */
    public String group(String function) {
        return prefix + "-" + function;
    }

    /** A function's keyed-state changelog. */
    public String state(String function) {
        return topic("state." + function);
    }

    /** A function's dead-letter topic, unless it sets another. */
    public String deadLetters(String function) {
        return topic("dlq." + function);
    }

    /** A function's replay topic: dead letters sent back to it. */
    public String replay(String function) {
        return topic("replay." + function);
    }

    private String topic(String name) {
        return prefix + "." + name;
    }
}
