package dev.ordinal.identity;

import java.util.Set;

/**
 * What admission knows about one set for one review, read from the caches in one go and never changed: the set's
 * snapshot, which of the pod's claims exist, the facts about its headless Service, and whether the caches may be
 * trusted at all. The pure rules ({@link CreateRules#mutate}, {@code CreateRules.validate}) decide from it and the
 * pod alone.
 *
 * @param existingClaims the names, among those asked for, of the PVCs that exist in the pod's namespace
 */
public record SetView(SetSnapshot snapshot, Set<String> existingClaims, ServiceFacts service, CacheHealth health) {

    public SetView {
        existingClaims = Set.copyOf(existingClaims);
    }
}
