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

    /** Decides a review; never mutates. */
    public Decision review(ReviewRequest request) {
        return switch (request.operation()) {
            case "CREATE" -> validateCreate(request);
            case "UPDATE" -> UpdateRules.validate(request.oldPod(), request.pod(), request.username(),
                    config.controllerUsers());
            default -> Decision.Allow.unchanged();
        };
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
        if (!view.synced()) {
            return Decision.Deny.retryLater("Ordinal's caches are still syncing (" + String.join(", ",
                    view.unsyncedCaches()) + "); the pod cannot be checked against its set yet. Retry later");
        }
        SetKey key = new SetKey(request.namespace(), member.set());
        ClusterView.Staleness stale = view.staleness();
        Decision decision = stale.exceeds(config.admission().maxCacheStaleness())
                ? Decision.Deny.retryLater("Ordinal's cache is stale: " + stale.describe() + ", more than "
                        + "ordinal.admission.max-cache-staleness ("
                        + config.admission().maxCacheStaleness().toSeconds() + " s); the pod cannot be checked "
                        + "against set " + member.set() + " safely. Retry later")
                : CreateRules.validate(request.pod(), member, view.snapshot(key),
                        view.serviceFacts(request.namespace(), member.settings().service(), member.set()));
        if (decision instanceof Decision.Deny && member.named() && !request.dryRun()) {
            // The pod will not be stored, so free the ordinal this replica may have reserved for it at mutation.
            view.index().release(key, member.ordinal());
        }
        return decision;
    }
}
