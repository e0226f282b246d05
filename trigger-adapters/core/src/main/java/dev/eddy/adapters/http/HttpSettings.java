package dev.eddy.adapters.http;

import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.Settings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code http} section of the HTTP adapter's configuration.
 *
 * @param topics          the Kafka topics clients may post to
 * @param tokens          the bearer tokens a request must carry one of; empty: no token asked for
 * @param transactionalId the adapter's transactional id: the same across its restarts, its own among adapters; null
 *                        for the default, {@code eddy-http-<instance>} (see
 *                        {@link dev.eddy.adapters.AdapterInstance#name(int)})
 * @param keysTopic       where idempotency keys are kept (created, compacted, when missing)
 * @param idempotencyWindow how long a key is remembered
 * @param functions       the functions {@code /v1/invoke/{function}} may call, each by its input topic
 * @param invokeTimeout   how long an invocation waits for the function's reply
 */
public record HttpSettings(InetSocketAddress listen, Set<String> topics, int maxBodyBytes, List<String> tokens,
        String transactionalId, String keysTopic, Duration idempotencyWindow, Duration timeout,
        Map<String, String> functions, Duration invokeTimeout) {

    public static HttpSettings read(Settings http) {
        http.only("listen", "topics", "maxBodyBytes", "tokens", "transactionalId", "keysTopic", "idempotencyWindow",
                "timeout", "functions", "invokeTimeout");
        String listen = http.text("listen", "127.0.0.1:8090");
        int colon = listen.lastIndexOf(':');
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw AdapterException.invalid(http.at("listen"), listen, "host:port, such as 127.0.0.1:8090 (port 0: any"
                    + " free one)");
        }
        List<String> topics = http.textList("topics");
        Map<String, String> functions = http.textMap("functions");
        if (topics.isEmpty() && functions.isEmpty()) {
            throw AdapterException.invalid(http.at("topics"), null, "the Kafka topics clients may post to, as a list"
                    + " (or functions: to invoke)");
        }
        return new HttpSettings(address, Set.copyOf(topics),
                http.integer("maxBodyBytes", 1024 * 1024, 1, 64 * 1024 * 1024),
                http.secretList("tokens"),
                http.text("transactionalId", null),
                http.text("keysTopic", "eddy.http.keys"),
                http.duration("idempotencyWindow", Duration.ofHours(24), Duration.ofMinutes(1), Duration.ofDays(30)),
                http.duration("timeout", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofMinutes(5)),
                Map.copyOf(functions),
                http.duration("invokeTimeout", Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofMinutes(15)));
    }
}
