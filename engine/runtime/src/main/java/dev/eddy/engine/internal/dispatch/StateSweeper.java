package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.state.KeyedStore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes a function's expired keyed state every {@link EngineConfig#STATE_SWEEP_INTERVAL_MS}, when some of its
 * state has a time to live. A store that cannot be reached is tried again at the next sweep.
 *
 * <p>Threading: the poll loop's thread alone calls {@link #turn}.
 */
final class StateSweeper {

    private static final Logger log = LoggerFactory.getLogger(StateSweeper.class);

    private final String function;
    private final KeyedStore store;
    private final Ticker ticker;
    /** 0 when nothing of the function's state expires. */
    private final long intervalNanos;
    private long lastSweep;

    StateSweeper(String function, KeyedStore store, Ticker ticker, long intervalNanos, long now) {
        this.function = function;
        this.store = store;
        this.ticker = ticker;
        this.intervalNanos = store == null ? 0 : intervalNanos;
        this.lastSweep = now;
    }

    static StateSweeper of(FunctionDefinition function, KeyedStore store, EngineConfig config, Ticker ticker,
            long now) {
        boolean expires = function.state().stream().anyMatch(spec -> spec.ttl().expires());
        long interval = expires ? TimeUnit.MILLISECONDS.toNanos(config.getLong(EngineConfig.STATE_SWEEP_INTERVAL_MS))
                : 0;
        return new StateSweeper(function.name(), store, ticker, interval, now);
    }

    /** Sweeps when the interval has passed since the last sweep. */
    void turn(long now) {
        if (intervalNanos == 0 || now - lastSweep < intervalNanos) {
            return;
        }
        lastSweep = now;
        try {
            store.sweep(ticker.millis());
        } catch (RuntimeException e) {
            log.warn("Function '{}' could not remove expired state; will try again: {}", function, e.getMessage());
        }
    }
}
