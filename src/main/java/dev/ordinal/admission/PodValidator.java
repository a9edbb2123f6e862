package dev.ordinal.admission;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.ordinal.cluster.ClusterView;
import dev.ordinal.cluster.SetKey;
import dev.ordinal.config.OrdinalConfig;
import dev.ordinal.identity.CreateRules;
import dev.ordinal.identity.Decision;
import dev.ordinal.identity.UpdateRules;

/** The validating webhook's adapter (SPEC §3.2): one snapshot read, then the pure CREATE or UPDATE rule. */
@ApplicationScoped
public class PodValidator {

    @Inject
    ClusterView view;

    @Inject
    OrdinalConfig config;

    @Inject
    CacheGuard guard;

    /** Decides a review; never mutates. */
    public Decision review(ReviewRequest request) {
        switch (request.operation()) {
            case CREATE:
                return validateCreate(request);
            case UPDATE:
                return UpdateRules.validate(request.oldPod(), request.pod(), request.username(),
                        config.controllerUsers());
            default:
                return Decision.Allow.unchanged();
        }
    }

    private Decision validateCreate(ReviewRequest request) {
        CreateRules.Prepared prepared = CreateRules.prepare(request.pod());
        if (prepared instanceof CreateRules.Prepared.NotMember) {
            return Decision.Allow.unchanged();
        }
        if (prepared instanceof CreateRules.Prepared.Rejected rejected) {
            return rejected.deny();
        }
        CreateRules.Prepared.Member member = (CreateRules.Prepared.Member) prepared;
        SetKey key = new SetKey(request.namespace(), member.set());
        Decision decision = guard.refusal(member.set(), "the pod cannot be checked against set " + member.set())
                .<Decision>map(deny -> deny)
                .orElseGet(() -> CreateRules.validate(request.pod(), member, view.snapshot(key),
                        view.serviceFacts(request.namespace(), member.settings().service(), member.set())));
        if (decision instanceof Decision.Deny && member.named() && !request.dryRun()) {
            // The pod will not be stored, so free the ordinal this replica may have reserved for it at mutation.
            view.index().release(key, member.ordinal());
        }
        return decision;
    }
}
