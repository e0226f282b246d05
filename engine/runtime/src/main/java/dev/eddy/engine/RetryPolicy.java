package dev.eddy.engine;

import dev.eddy.engine.manifest.ManifestField;
import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How often, and how long, a record whose handler call failed is tried again before it goes to the dead-letter
 * topic: exponential backoff with jitter, up to a number of attempts and an age since the first failure, whichever
 * comes first. While a record waits for its next attempt, only its key waits (its partition, in PARTITION order).
 *
 * @param maxAttempts    calls in all, the first included; 1 means no retry
 * @param initialBackoff the wait before the second attempt
 * @param maxBackoff     the longest wait between attempts
 * @param multiplier     how much each wait grows over the previous one
 * @param jitter         the fraction (0 to 1) by which each wait is varied at random, so that failures do not retry
 *                       in lockstep
 * @param maxAge         no attempt starts later than this after the first failure
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier,
        double jitter, Duration maxAge) {

    /** Five attempts, 200 ms growing ×2 up to 30 s, ±20 %, for at most ten minutes. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(ManifestField.RETRY_MAX_ATTEMPTS.intDefault(),
            ManifestField.RETRY_INITIAL_BACKOFF.durationDefault(), ManifestField.RETRY_MAX_BACKOFF.durationDefault(),
            ManifestField.RETRY_MULTIPLIER.numberDefault(), ManifestField.RETRY_JITTER.numberDefault(),
            ManifestField.RETRY_MAX_AGE.durationDefault());

    /** One attempt: a failed record goes to the dead-letter topic at once. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 1.0, 0.0, Duration.ZERO);

    /** @throws InvalidFunctionException naming the field, the value and what would be valid */
    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(maxAge, "maxAge");
        ManifestField.RETRY_MAX_ATTEMPTS.check(maxAttempts);
        ManifestField.RETRY_INITIAL_BACKOFF.check(initialBackoff);
        if (ManifestField.RETRY_MAX_BACKOFF.check(maxBackoff).compareTo(initialBackoff) < 0) {
            throw new InvalidFunctionException("retry.maxBackoff", maxBackoff,
                    "a duration no shorter than retry.initialBackoff (" + initialBackoff + ")");
        }
        ManifestField.RETRY_MULTIPLIER.check(multiplier);
        ManifestField.RETRY_JITTER.check(jitter);
        ManifestField.RETRY_MAX_AGE.check(maxAge);
    }

    /** A policy of this many attempts with the default backoff. */
    public static RetryPolicy attempts(int maxAttempts) {
        return DEFAULT.withMaxAttempts(maxAttempts);
    }

    public RetryPolicy withMaxAttempts(int attempts) {
        return new RetryPolicy(attempts, initialBackoff, maxBackoff, multiplier, jitter, maxAge);
    }

    public RetryPolicy withBackoff(Duration initial, Duration max) {
        return new RetryPolicy(maxAttempts, initial, max, multiplier, jitter, maxAge);
    }

    public RetryPolicy withMaxAge(Duration age) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, age);
    }

    /**
     * Whether a record that has failed {@code attempts} times, the first failure {@code sinceFirstFailure} ago,
     * gets another attempt.
     */
    public boolean allowsAnotherAttempt(int attempts, Duration sinceFirstFailure) {
        return attempts < maxAttempts && sinceFirstFailure.compareTo(maxAge) < 0;
    }

    /** The wait after the given failed attempt (1 for the first), with jitter drawn from {@code random}. */
    public Duration backoffAfter(int failedAttempt, RandomGenerator random) {
        double base = initialBackoff.toNanos() * Math.pow(multiplier, Math.max(0, failedAttempt - 1));
        double capped = Math.min(base, maxBackoff.toNanos());
        double varied = capped * (1 + jitter * (2 * random.nextDouble() - 1));
        return Duration.ofNanos((long) Math.max(0, Math.min(varied, maxBackoff.toNanos())));
    }
}
