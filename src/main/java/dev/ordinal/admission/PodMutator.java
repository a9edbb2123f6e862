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
import io.fabric8.kubernetes.api.model.Pod;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.context.ManagedExecutor;

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

    @Inject
    ManagedExecutor worker;

    /**
     * Decides a review; the Allow carries the mutated pod when anything changes. Completes before returning, on the
     * calling (event-loop) thread, except when the review needs one live list of the set's pods ({@link CacheLag}):
     * that list runs on {@link #worker}, because the Kubernetes client's HTTP calls run on the same Vert.x event
     * loops and a blocking call there would wait on itself.
     */
    public CompletionStage<Decision> review(ReviewRequest request) {
        if (request.operation() != Operation.CREATE) {
            return CompletableFuture.completedFuture(Decision.Allow.unchanged());
        }
        CreateRules.Prepared prepared = CreateRules.prepare(request.pod());
        if (!(prepared instanceof CreateRules.Prepared.Member member)) {
            return CompletableFuture.completedFuture(CreateRules.Prepared.notAMember(prepared));
        }
        SetKey key = new SetKey(request.namespace(), member.set());
        // The choice of a free ordinal and its hold are one atomic step of the reservation owner; it comes before
        // the read, so the snapshot the rule sees is at least as new as the one the ordinal was chosen from.
        Reservation reservation = member.named()
                ? Reservation.named(key, member.ordinal())
                : reservations.reserve(
                        key, member.settings().startOrdinal(), member.settings().reservedOrdinals(), request.dryRun());
        boolean handedOver = false; // to decide(), which settles the reservation on every path
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
                CompletableFuture<Decision> decided = CompletableFuture.supplyAsync(() -> livePods.list(key), worker)
                        // A list that failed in any way leaves the decision to the cache, as LivePods does for an
                        // API error.
                        .handle((live, error) ->
                                decide(request, member, reservation, set, error == null ? live : Optional.empty()));
                handedOver = true;
                return decided;
            }
            handedOver = true;
            return CompletableFuture.completedFuture(decide(request, member, reservation, set, Optional.empty()));
        } finally {
            if (!handedOver) {
                reservations.settle(reservation, false);
            }
        }
    }

    /**
     * The decision for {@code request} from the set as read, and the live list of its pods when one was made; settles
     * the reservation on every path, admitted or not.
     */
    private Decision decide(
            ReviewRequest request,
            CreateRules.Prepared.Member member,
            Reservation reservation,
            SetView set,
            Optional<List<Pod>> live) {
        boolean admitted = false;
        try {
            List<String> vacated =
                    live.map(pods -> CacheLag.vacated(set.snapshot(), pods)).orElse(List.of());
            if (!vacated.isEmpty()) {
                return CacheLag.retryLater(member.set(), reservation.ordinal(), vacated);
            }
            Decision decision = CreateRules.mutate(request.pod(), member, reservation.assignment(), set);
            admitted = decision instanceof Decision.Allow;
            return decision;
        } finally {
            reservations.settle(reservation, admitted);
        }
    }
}
