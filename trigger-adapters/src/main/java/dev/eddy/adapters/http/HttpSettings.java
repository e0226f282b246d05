package dev.eddy.adapters.http;

import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.Settings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The {@code http} section of the HTTP adapter's configuration.
 *
 * @param topics          the Kafka topics clients may post to
 * @param tokens          the bearer tokens a request must carry one of; empty: no token asked for
 * @param transactionalId the adapter's transactional id: the same across its restarts, its own among adapters
 * @param keysTopic       where idempotency keys are kept (created, compacted, when missing)
 * @param idempotencyWindow how long a key is remembered
 */
public record HttpSettings(InetSocketAddress listen, Set<String> topics, int maxBodyBytes, List<String> tokens,
        String transactionalId, String keysTopic, Duration idempotencyWindow, Duration timeout) {

    public static HttpSettings read(Settings http) {
        http.only("listen", "topics", "maxBodyBytes", "tokens", "transactionalId", "keysTopic", "idempotencyWindow",
                "timeout");
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
        if (topics.isEmpty()) {
            throw AdapterException.invalid(http.at("topics"), null, "the Kafka topics clients may post to, as a list");
        }
        return new HttpSettings(address, Set.copyOf(topics),
                http.integer("maxBodyBytes", 1024 * 1024, 1, 64 * 1024 * 1024),
                http.secretList("tokens"),
                http.text("transactionalId", "eddy-http"),
                http.text("keysTopic", "eddy.http.keys"),
                http.duration("idempotencyWindow", Duration.ofHours(24), Duration.ofMinutes(1), Duration.ofDays(30)),
                http.duration("timeout", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofMinutes(5)));
    }
}
