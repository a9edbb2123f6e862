package dev.ordinal.controller;

import dev.ordinal.config.OrdinalConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The values one controller instance runs with: lease, identity and timings. Built from {@link OrdinalConfig} in
 * the application, or directly in a test.
 *
 * @param backoffInitial delay before the first retry of a set whose reconcile failed; doubled per failure
 * @param backoffMax upper bound of that delay
 * @param reservationTtl {@code ordinal.admission.reservation-ttl}: gap healing counts an ordinal as lost once it has
 *     been free for this long plus {@link dev.ordinal.plan.GapHealing#MARGIN}
 * @param claimConcurrency {@code ordinal.controller.claim-concurrency}: pods whose claim work runs at once
 */
public record ControllerSettings(
        String leaseNamespace,
        String leaseName,
        String identity,
        Duration leaseDuration,
        Duration renewDeadline,
        Duration retryPeriod,
        Duration resyncPeriod,
        Duration backoffInitial,
        Duration backoffMax,
        Duration reservationTtl,
        int claimConcurrency) {

    /** Default of {@code ordinal.controller.claim-concurrency}. */
    public static final int DEFAULT_CLAIM_CONCURRENCY = 32;

    public ControllerSettings {
        if (claimConcurrency < 1) {
            throw new IllegalArgumentException(
                    "ordinal.controller.claim-concurrency must be at least 1, got " + claimConcurrency);
        }
    }

    /** Default first retry delay after a failed reconcile. */
    public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofMillis(500);
    /** Default longest retry delay after repeated failures. */
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(60);

    /** Settings from the application's configuration; the identity falls back as {@link #identityFrom} says. */
    public static ControllerSettings from(OrdinalConfig config) {
        OrdinalConfig.Controller c = config.controller();
        return new ControllerSettings(
                c.leaseNamespace(),
                c.leaseName(),
                identityFrom(c.identity(), System.getenv(), ControllerSettings::hostname),
                c.leaseDuration(),
                c.renewDeadline(),
                c.retryPeriod(),
                c.resyncPeriod(),
                DEFAULT_BACKOFF_INITIAL,
                DEFAULT_BACKOFF_MAX,
                config.admission().reservationTtl(),
                c.claimConcurrency());
    }

    /**
     * This replica's identity in the Lease: the configured one, else env {@code POD_NAME}, else the hostname, else
     * a random id. Two replicas must never share one, so blank values fall through.
     */
    static String identityFrom(Optional<String> configured, Map<String, String> env, Supplier<String> hostname) {
        if (configured.isPresent() && !configured.get().isBlank()) {
            return configured.get();
        }
        String pod = env.get("POD_NAME");
        if (pod != null && !pod.isBlank()) {
            return pod;
        }
        String host = hostname.get();
        if (host != null && !host.isBlank()) {
            return host;
        }
        return "ordinal-" + UUID.randomUUID();
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException | RuntimeException e) {
            return System.getenv("HOSTNAME");
        }
    }
}
