package dev.ordinal.admission;

import dev.ordinal.identity.Decision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Prometheus metrics of the webhooks: requests by decision, latency (ordinals assigned: {@code IndexReservations}). */
@ApplicationScoped
public class AdmissionMetrics {

    @Inject
    MeterRegistry registry;

    // Meters looked up once per tag combination: building a Meter.Id on every request is measurable at 10k req/s.
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();
    private final Map<String, Timer> durations = new ConcurrentHashMap<>();

    /** Records one review of {@code webhook} (mutate, validate) that ended in {@code decision}. */
    public void reviewed(String webhook, String operation, Decision decision, boolean patched, Duration took) {
        String outcome = decision instanceof Decision.Deny deny
                ? (deny.code() >= 500 ? "error" : "denied")
                : patched ? "patched" : "allowed";
        requests.computeIfAbsent(
                        webhook + "/" + operation + "/" + outcome,
                        k -> registry.counter(
                                "ordinal.admission.requests",
                                "webhook",
                                webhook,
                                "operation",
                                operation,
                                "decision",
                                outcome))
                .increment();
        durations
                .computeIfAbsent(
                        webhook,
                        k -> Timer.builder("ordinal.admission.duration")
                                .description("Time to review one AdmissionReview")
                                .tag("webhook", webhook)
                                .publishPercentiles(0.5, 0.99)
                                .register(registry))
                .record(took);
    }

    /** Records a body that was not an AdmissionReview (HTTP 400). */
    public void rejectedBody(String webhook) {
        requests.computeIfAbsent(
                        webhook + "/unknown/malformed",
                        k -> registry.counter(
                                "ordinal.admission.requests",
                                "webhook",
                                webhook,
                                "operation",
                                "unknown",
                                "decision",
                                "malformed"))
                .increment();
    }

    /** Records a request cut off by {@code ordinal.admission.request-deadline}. */
    public void deadlineExceeded() {
        requests.computeIfAbsent("deadline", k -> registry.counter("ordinal.admission.deadline.exceeded"))
                .increment();
    }
}
