package dev.eddy.adapters;

/**
 * What tells apart adapters started from one configuration: their ids in Kafka (transactional ids, replies topics)
 * must differ, or one fences the other.
 */
public final class AdapterInstance {

    private AdapterInstance() {
    }

    /** {@code $EDDY_INSTANCE_ID}, else the host's name (a pod's name on Kubernetes), as a name Kafka takes. */
    public static String name() {
        return name("");
    }

    /**
     * {@code $EDDY_INSTANCE_ID}, else the host's name followed by {@code -<port>}: for an adapter that listens, of
     * which one host may run several.
     */
    public static String name(int port) {
        return name("-" + port);
    }

    private static String name(String hostSuffix) {
        String given = System.getenv("EDDY_INSTANCE_ID");
        return given != null && !given.isBlank() ? given.strip() : host() + hostSuffix;
    }

    /** The host's name ({@code $HOSTNAME}, else what the network says), as a name Kafka takes. */
    private static String host() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                host = "localhost";
            }
        }
        return host.strip().replaceAll("[^A-Za-z0-9._-]", "-");
    }
}
