package dev.ordinal.sim;

import java.time.Duration;
import java.time.Instant;

/** Exponential backoff after failures, as a controller's rate-limited work queue requeues: base·2^(n-1), capped. */
final class Backoff {

    private final Duration base;
    private final Duration cap;
    private int failures;
    private Instant until = Instant.MIN;

    Backoff(Duration base, Duration cap) {
        this.base = base;
        this.cap = cap;
    }

    boolean waiting(Instant now) {
        return now.isBefore(until);
    }

    /** Records a failure at {@code now}; returns the delay until the next attempt. */
    Duration failed(Instant now) {
        failures++;
        long millis = base.toMillis() << Math.min(failures - 1, 20);
        Duration delay = Duration.ofMillis(Math.min(millis, cap.toMillis()));
        until = now.plus(delay);
        return delay;
    }

    void succeeded() {
        failures = 0;
        until = Instant.MIN;
    }

    int failures() {
        return failures;
    }
}
