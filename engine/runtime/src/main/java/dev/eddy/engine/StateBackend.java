package dev.eddy.engine;

import java.util.Locale;
import java.util.Objects;

/**
 * Where a function's keyed state is kept.
 *
 * <ul>
 *   <li>{@link #kafka()} (the default): a compacted changelog topic, {@code eddy.state.<function>}, partitioned like
 *       the function's one input topic, and a copy in memory of the partitions this engine owns, restored when they
 *       are assigned. With {@link Delivery#EXACTLY_ONCE} the changelog is written in the same transaction as the
 *       outputs and the input offsets.</li>
 *   <li>{@link #redis(String)} and {@link #postgres(String)}: a shared external store, read and written per call.
 *       Each write carries the source partition and offset of its record, and a record at or before them is not
 *       applied again: input arrives at least once, state changes apply exactly once.</li>
 * </ul>
 */
public sealed interface StateBackend {

    /** The name of the store, as manifests give it: {@code kafka}, {@code redis} or {@code postgres}. */
    String kind();

    static StateBackend kafka() {
        return Kafka.INSTANCE;
    }

    /** @param url {@code redis://[user:password@]host:port[/database]} */
    static StateBackend redis(String url) {
        return new Redis(url);
    }

    /** @param url a JDBC URL, {@code jdbc:postgresql://host:port/database[?user=...&password=...]} */
    static StateBackend postgres(String url) {
        return new Postgres(url);
    }

    /**
     * The store a manifest names.
     *
     * @throws InvalidFunctionException naming the field, the value and what would be valid
     */
    static StateBackend of(String kind, String url) {
        String name = kind == null ? "kafka" : kind.trim().toLowerCase(Locale.ROOT);
        switch (name) {
            case "kafka" -> {
                if (url != null) {
                    throw new InvalidFunctionException("state.url", url, "no URL with the kafka store: it uses the"
                            + " engine's Kafka cluster");
                }
                return kafka();
            }
            case "redis" -> {
                if (url == null || !(url.startsWith("redis://") || url.startsWith("rediss://"))) {
                    throw new InvalidFunctionException("state.url", url,
                            "a Redis URL for the redis store: redis://[user:password@]host:port[/database]");
                }
                return redis(url);
            }
            case "postgres", "postgresql" -> {
                if (url == null || !url.startsWith("jdbc:postgresql://")) {
                    throw new InvalidFunctionException("state.url", url, "a PostgreSQL JDBC URL for the postgres"
                            + " store: jdbc:postgresql://host:port/database[?user=...&password=...]");
                }
                return postgres(url);
            }
            default -> throw new InvalidFunctionException("state.store", kind, "one of kafka, redis, postgres");
        }
    }

    /** The default store: a changelog topic and a copy in memory. */
    final class Kafka implements StateBackend {
        private static final Kafka INSTANCE = new Kafka();

        private Kafka() {
        }

        @Override
        public String kind() {
            return "kafka";
        }

        @Override
        public String toString() {
            return "kafka";
        }
    }

    /** A Redis server (or a compatible one). */
    record Redis(String url) implements StateBackend {
        public Redis {
            Objects.requireNonNull(url, "url");
        }

        @Override
        public String kind() {
            return "redis";
        }

        @Override
        public String toString() {
            return "redis (" + Urls.withoutPassword(url) + ")";
        }
    }

    /** A PostgreSQL database: the table {@code eddy_state}, created when missing. */
    record Postgres(String url) implements StateBackend {
        public Postgres {
            Objects.requireNonNull(url, "url");
        }

        @Override
        public String kind() {
            return "postgres";
        }

        @Override
        public String toString() {
            return "postgres (" + Urls.withoutPassword(url) + ")";
        }
    }

    /** Keeps passwords out of logs and status pages. */
    final class Urls {
        private Urls() {
        }

        public static String withoutPassword(String url) {
            return url.replaceAll("://([^:/@]*):[^@/]*@", "://$1:***@").replaceAll("(?i)(password=)[^&]*", "$1***");
        }
    }
}
