package dev.ordinal.admission;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.ordinal.cluster.ClusterView;
import dev.ordinal.identity.Decision;

/**
 * Refuses, with a retryable 429, a CREATE decision that depends on the set's state while the caches have not synced
 * yet or have been cut off from the API server for longer than {@code ordinal.admission.max-cache-staleness}.
 */
@ApplicationScoped
class CacheGuard {

    @Inject
    ClusterView view;

    /**
     * The refusal, if any, for a decision about set {@code set}; {@code unsafe} completes the sentence "… so that"
     * with what cannot be done safely (e.g. "an ordinal cannot be chosen").
     */
    Optional<Decision.Deny> refusal(String set, String whatCannotBeDone) {
        return view.health().refusal(set, whatCannotBeDone);
    }
}
