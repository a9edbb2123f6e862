package dev.ordinal.faults;

import dev.ordinal.controller.ClusterReader;
import dev.ordinal.controller.ControllerSettings;
import java.time.Duration;

/** Plain controller instances for the fault tests: settings with short timings, readers scoped to one namespace. */
final class Controllers {

    /** Lease duration of the test controllers: the longest a crashed leader's lease blocks a takeover. */
    static final Duration LEASE_DURATION = Duration.ofSeconds(4);

    private Controllers() {}

    /**
     * Settings of controller {@code identity}, Lease in {@code ns}, with the timings of ControllerTestProfile and the
     * reservation TTL of FaultsProfile.
     */
    static ControllerSettings settings(String ns, String identity) {
        return new ControllerSettings(
                ns,
                "ordinal-controller",
                identity,
                LEASE_DURATION,
                Duration.ofSeconds(3),
                Duration.ofMillis(500),
                Duration.ofSeconds(2),
                Duration.ofMillis(200),
                Duration.ofSeconds(5),
                Duration.parse("PT" + FaultsProfile.RESERVATION_TTL),
                ControllerSettings.DEFAULT_CLAIM_CONCURRENCY);
    }

    /** A reader that sees only namespace {@code ns}, so a test's controllers leave other tests' sets alone. */
    static ClusterReader scoped(ClusterReader reader, String ns) {
        return dev.ordinal.support.Readers.scoped(reader, ns);
    }
}
