package dev.ordinal.admission;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.ordinal.cluster.ClusterView;
import dev.ordinal.cluster.SetKey;
import dev.ordinal.config.OrdinalConfig;
import dev.ordinal.identity.CreateRules;
import dev.ordinal.identity.Decision;
import dev.ordinal.identity.Ordinals;
import dev.ordinal.identity.PodIdentity;
import dev.ordinal.identity.SetSettings;
import dev.ordinal.identity.SetSnapshot;

/**
 * The mutating webhook's adapter (SPEC §3.1): one snapshot read, the pure rules, and the reservation that keeps two
 * concurrent requests of this process off the same ordinal.
 */
@ApplicationScoped
public class PodMutator {

    @Inject
    ClusterView view;

    @Inject
    OrdinalConfig config;

    @Inject
    AdmissionMetrics metrics;

    @Inject
    CacheGuard guard;

    Clock clock = Clock.systemUTC();

    /** Decides a review; the Allow carries the mutated pod when anything changes. */
    public Decision review(ReviewRequest request) {
        if (request.operation() != Operation.CREATE) {
            return Decision.Allow.unchanged();
        }
        CreateRules.Prepared prepared = CreateRules.prepare(request.pod());
        if (prepared instanceof CreateRules.Prepared.NotMember) {
            return Decision.Allow.unchanged();
        }
        if (prepared instanceof CreateRules.Prepared.Rejected rejected) {
            return rejected.deny();
        }
        CreateRules.Prepared.Member member = (CreateRules.Prepared.Member) prepared;
        SetSettings s = member.settings();
        SetKey key = new SetKey(request.namespace(), member.set());
        Optional<Decision.Deny> unsafe = guard.refusal(s.set(), "an ordinal and the start order cannot be chosen");
        if (unsafe.isPresent()) {
            return unsafe.get();
        }
        int n = member.ordinal();
        boolean reserved = false;
        if (!member.named()) {
            Ordinals.Assignment assignment = view.index().assign(key, s.startOrdinal(), !request.dryRun(),
                    clock.instant(), config.admission().reservationTtl());
            if (assignment instanceof Ordinals.Assignment.HeldByTerminating held) {
                return CreateRules.heldByTerminating(s.set(), held.ordinal(), held.holder());
            }
            if (assignment instanceof Ordinals.Assignment.Exhausted) {
                return Decision.Deny.forbidden("set " + s.set() + " has no free ordinal that fits a 32-bit integer");
            }
            n = ((Ordinals.Assignment.Assigned) assignment).ordinal();
            reserved = !request.dryRun();
        }
        SetSnapshot snapshot = view.snapshot(key);
        Optional<Decision.Deny> tooLong = CreateRules.nameTooLong(s.set(), n);
        Decision decision = tooLong.isPresent() ? tooLong.get() : mutate(request, member, n, snapshot);
        if (reserved) {
            if (decision instanceof Decision.Deny) {
                view.index().release(key, n);
            } else {
                metrics.ordinalAssigned();
            }
        }
        return decision;
    }

    private Decision mutate(ReviewRequest request, CreateRules.Prepared.Member member, int n, SetSnapshot snapshot) {
        SetSettings s = member.settings();
        if (!member.named()) {
            // A generateName pod in deny mode is refused here already, before it holds a reservation that would push
            // its retries to a higher ordinal; the validating webhook enforces the same rule for named pods.
            Optional<Decision.Deny> waiting = CreateRules.waitingForPredecessor(s, snapshot, n);
            if (waiting.isPresent()) {
                return waiting.get();
            }
        }
        List<String> claimNames = member.claimNames(n);
        Set<String> existing = claimNames.stream().filter(c -> view.claimExists(request.namespace(), c))
                .collect(Collectors.toSet());
        return PodIdentity.mutate(request.pod(), member, n, snapshot, existing::contains);
    }
}
