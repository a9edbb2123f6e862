package dev.ordinal.admission;

import dev.ordinal.cluster.ClusterView;
import dev.ordinal.cluster.LivePods;
import dev.ordinal.cluster.OrdinalReservations;
import dev.ordinal.cluster.Reservation;
import dev.ordinal.cluster.SetKey;
import dev.ordinal.config.OrdinalConfig;
import dev.ordinal.identity.CacheLag;
import dev.ordinal.identity.CreateRules;
import dev.ordinal.identity.Decision;
import dev.ordinal.identity.Member;
import dev.ordinal.identity.SetView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;

/**
 * The mutating webhook's adapter (SPEC §3.1): reserve, read once, decide purely, settle. The reservation keeps two
 * concurrent requests of this process off the same ordinal; it is settled in one place, a {@code finally}, so every
 * path that does not admit gives it back.
 */
@ApplicationScoped
public class PodMutator {

    @Inject
    ClusterView view;

    @Inject
    OrdinalReservations reservations;

    @Inject
    LivePods livePods;

    @Inject
    OrdinalConfig config;

    /** Decides a review; the Allow carries the mutated pod when anything changes. */
    public Decision review(ReviewRequest request) {
        if (request.operation() != Operation.CREATE) {
            return Decision.Allow.unchanged();
        }
        CreateRules.Prepared prepared = CreateRules.prepare(request.pod());
        if (!(prepared instanceof CreateRules.Prepared.Member member)) {
            return CreateRules.Prepared.notAMember(prepared);
        }
        SetKey key = new SetKey(request.namespace(), member.set());
        // The choice of a free ordinal and its hold are one atomic step of the reservation owner; it comes before
        // the read, so the snapshot the rule sees is at least as new as the one the ordinal was chosen from.
        Reservation reservation = member.named()
                ? Reservation.named(key, member.ordinal())
                : reservations.reserve(
                        key, member.settings().startOrdinal(), member.settings().reservedOrdinals(), request.dryRun());
        boolean admitted = false;
        try {
            SetView set = view.read(
                    key,
                    member.settings().service(),
                    reservation.ordinal() < 0 ? List.of() : member.claimNames(reservation.ordinal()));
            if (config.admission().liveCheck()
                    && !member.named()
                    && !request.dryRun()
                    && reservation.ordinal() >= 0
                    && CacheLag.needsLiveCheck(
                            Member.controllerOf(request.pod()), reservation.ordinal(), set.snapshot())) {
                List<String> vacated = livePods.list(key)
                        .map(pods -> CacheLag.vacated(set.snapshot(), pods))
                        .orElse(List.of());
                if (!vacated.isEmpty()) {
                    return CacheLag.retryLater(key.set(), reservation.ordinal(), vacated);
                }
            }
            Decision decision = CreateRules.mutate(request.pod(), member, reservation.assignment(), set);
            admitted = decision instanceof Decision.Allow;
            return decision;
        } finally {
            reservations.settle(reservation, admitted);
        }
    }
}
