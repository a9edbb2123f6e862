package dev.ordinal.controller;

import dev.ordinal.plan.WriteFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The controller's Micrometer meters: gates released, claims and Services created, lost ordinals healed or warned
 * about, failed writes by cause, reconcile errors and time.
 */
final class ControllerMetrics implements AutoCloseable {

    private final MeterRegistry registry;
    private final Counter claimsCreated;
    private final Counter servicesCreated;
    private final Counter reconcileErrors;
    private final Timer reconcileDuration;
    private final Gauge leaderGauge;

    ControllerMetrics(MeterRegistry registry, AtomicBoolean leader) {
        this.registry = registry;
        claimsCreated = Counter.builder("ordinal.controller.claims.created")
                .description("PersistentVolumeClaims created from claim templates")
                .register(registry);
        servicesCreated = Counter.builder("ordinal.controller.services.created")
                .description("Headless Services created")
                .register(registry);
        reconcileErrors = Counter.builder("ordinal.controller.reconcile.errors")
                .description("Reconciles of a set that failed and were retried with backoff")
                .register(registry);
        reconcileDuration = Timer.builder("ordinal.controller.reconcile.duration")
                .description("Time to reconcile one set")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        leaderGauge = Gauge.builder("ordinal.controller.leader", leader, l -> l.get() ? 1 : 0)
                .description("1 when this replica holds the controller Lease and acts, else 0")
                .register(registry);
        gates("ordinal.dev/ordered");
        gates("ordinal.dev/claims");
        gaps("recycled");
        gaps("owner-missing");
    }

    private Counter gaps(String action) {
        return Counter.builder("ordinal.controller.ordinal.gaps")
                .tag("action", action)
                .description("Gated pods waiting above an ordinal admitted but never stored: recycled (deleted for"
                        + " their owner to re-create at the gap) or owner-missing (warned about, never deleted)")
                .register(registry);
    }

    /** A gated member was deleted to fill a lost ordinal. */
    void gapRecycled() {
        gaps("recycled").increment();
    }

    /** A gated member without a controller owner waits above a lost ordinal (counted once per announcement). */
    void gapOwnerMissing() {
        gaps("owner-missing").increment();
    }

    /** One failed write, tagged by what was written and the HTTP code ({@code none}: no HTTP answer). */
    void writeFailed(WriteFailure f) {
        Counter.builder("ordinal.controller.write.failures")
                .tag("write", f.write().tag())
                .tag("code", f.codeTag())
                .description("Writes of the controller the API server refused or did not answer, by write and HTTP"
                        + " code; the set is retried with backoff")
                .register(registry)
                .increment();
    }

    private Counter gates(String gate) {
        return Counter.builder("ordinal.controller.gates.released")
                .tag("gate", gate)
                .description("Scheduling gates removed by the controller")
                .register(registry);
    }

    void gateReleased(String gate) {
        gates(gate).increment();
    }

    void claimCreated() {
        claimsCreated.increment();
    }

    void serviceCreated() {
        servicesCreated.increment();
    }

    void reconcileError() {
        reconcileErrors.increment();
    }

    Timer reconcileDuration() {
        return reconcileDuration;
    }

    /**
     * Removes the leader gauge, the one meter bound to this controller's state. Counters may outlive a controller;
     * a gauge left behind would keep reporting the stopped controller's {@code leader} to a registry that outlives
     * it (Quarkus' global composite registry across application restarts in one JVM), and the next controller's
     * registration would get that stale gauge back instead of its own.
     */
    @Override
    public void close() {
        registry.remove(leaderGauge);
    }
}
