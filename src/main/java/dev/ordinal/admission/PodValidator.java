package dev.ordinal.admission;

import dev.ordinal.cluster.ClusterView;
import dev.ordinal.cluster.OrdinalReservations;
import dev.ordinal.cluster.Reservation;
import dev.ordinal.cluster.SetKey;
import dev.ordinal.config.OrdinalConfig;
import dev.ordinal.identity.CreateRules;
import dev.ordinal.identity.Decision;
import dev.ordinal.identity.UpdateRules;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;

/**
 * The validating webhook's adapter (SPEC §3.2): read once, then the pure CREATE or UPDATE rule. It writes nothing
 * itself: a CREATE it denies is reported to the reservation owner ({@link OrdinalReservations#settle}), which gives
 * back the ordinal the mutating webhook of this replica may hold for the pod, since the pod will not be stored.
 */
@ApplicationScoped
public class PodValidator {

    @Inject
    ClusterView view;

    @Inject
    OrdinalReservations reservations;

    @Inject
    OrdinalConfig config;

    /** Decides a review; never mutates. */
    public Decision review(ReviewRequest request) {
        return switch (request.operation()) {
            case CREATE -> validateCreate(request);
            case UPDATE ->
                UpdateRules.validate(request.oldPod(), request.pod(), request.username(), config.controllerUsers());
            default -> Decision.Allow.unchanged();
        };
    }

    private Decision validateCreate(ReviewRequest request) {
        CreateRules.Prepared prepared = CreateRules.prepare(request.pod());
        if (!(prepared instanceof CreateRules.Prepared.Member member)) {
            return CreateRules.Prepared.notAMember(prepared);
        }
        SetKey key = new SetKey(request.namespace(), member.set());
        if (!member.named()) {
            // The mutating webhook names every member; without a name there is no ordinal anyone holds.
            return CreateRules.validate(
                    request.pod(), member, view.read(key, member.settings().service(), List.of()));
        }
        Reservation reservation = Reservation.mutatedEarlier(key, member.ordinal(), request.dryRun());
        boolean admitted = false;
        try {
            Decision decision = CreateRules.validate(
                    request.pod(), member, view.read(key, member.settings().service(), List.of()));
            admitted = decision instanceof Decision.Allow;
            return decision;
        } finally {
            reservations.settle(reservation, admitted);
        }
    }
}
