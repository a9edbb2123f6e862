package dev.ordinal.cluster;

import dev.ordinal.config.OrdinalConfig;
import dev.ordinal.identity.OrdinalSet;
import dev.ordinal.identity.Ordinals;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;

/** {@link OrdinalReservations} kept in the pods-by-set index, where the informer drops a hold once it sees the pod. */
@ApplicationScoped
class IndexReservations implements OrdinalReservations {

    @Inject
    MeterRegistry registry;

    @Inject
    ClusterCaches caches;

    @Inject
    OrdinalConfig config;

    Clock clock = Clock.systemUTC();

    private Counter ordinalsAssigned;

    @PostConstruct
    void init() {
        ordinalsAssigned = Counter.builder("ordinal.ordinals.assigned")
                .description("Ordinals handed out to generateName pods (not counting dryRun)")
                .register(registry);
    }

    @Override
    public Reservation reserve(SetKey key, int start, OrdinalSet skipped, boolean dryRun) {
        Ordinals.Assignment assignment = caches.index()
                .assign(
                        key,
                        start,
                        skipped,
                        !dryRun,
                        clock.instant(),
                        config.admission().reservationTtl());
        boolean held = !dryRun && assignment instanceof Ordinals.Assignment.Assigned;
        return new Reservation(key, assignment, held ? Reservation.Hold.TAKEN : Reservation.Hold.NONE);
    }

    @Override
    public void confirm(Reservation reservation) {
        if (reservation.hold() == Reservation.Hold.TAKEN) {
            ordinalsAssigned.increment();
        }
    }

    @Override
    public void release(Reservation reservation) {
        if (reservation.hold() != Reservation.Hold.NONE && reservation.ordinal() >= 0) {
            caches.index().release(reservation.key(), reservation.ordinal());
        }
    }
}
