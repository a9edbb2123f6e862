package dev.ordinal.cluster;

import dev.ordinal.identity.ServiceFacts;
import dev.ordinal.identity.SetSnapshot;
import dev.ordinal.identity.SetView;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The read side of the cluster: what admission ({@link #read}) and the controller (through
 * {@code controller.ClusterReader}) learn from {@link ClusterCaches}, without API calls. Objects handed out are
 * copies; the informers, their sync and their health live in {@link ClusterCaches}.
 */
@ApplicationScoped
public class ClusterView {

    @Inject
    ClusterCaches caches;

    Clock clock = Clock.systemUTC();

    /** Every set that has or had pods in the cache. */
    public Collection<SetKey> sets() {
        return caches.index().sets();
    }

    /** Ordinals of {@code key} this replica holds for pods it admitted and has not seen stored yet (unexpired). */
    public Set<Integer> reserved(SetKey key) {
        return caches.index().reserved(key, clock.instant());
    }

    /** An immutable view of set {@code key}. */
    public SetSnapshot snapshot(SetKey key) {
        return caches.index().snapshot(key);
    }

    /**
     * Everything admission needs to know about set {@code key} for one review, read once: its snapshot, which of
     * {@code claimNames} exist in its namespace, the facts about Service {@code service}, and the caches' health.
     */
    public SetView read(SetKey key, String service, Collection<String> claimNames) {
        Set<String> existing = new HashSet<>();
        for (String claim : claimNames) {
            if (claimExists(key.namespace(), claim)) {
                existing.add(claim);
            }
        }
        return new SetView(
                caches.index().snapshot(key),
                existing,
                serviceFacts(key.namespace(), service, key.set()),
                caches.health());
    }

    /** True when the PVC {@code namespace/name} is in the cache. */
    public boolean claimExists(String namespace, String name) {
        return caches.claimCached(namespace, name);
    }

    /**
     * Copies of the cached PVCs of {@code namespace}, from the informer's namespace index. The claim cache's reduced
     * store makes a new claim on every read, so those are the copies (copying each again was 15 % of the leader's
     * passes over a set in a rollout).
     */
    public List<PersistentVolumeClaim> claims(String namespace) {
        return caches.cachedClaims(namespace);
    }

    /** A copy of the cached PVC {@code namespace/name} (made by the reduced store, as {@link #claims}). */
    public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
        return Optional.ofNullable(caches.cachedClaim(namespace, name));
    }

    /** A copy of the cached Service {@code namespace/name}. */
    public Optional<Service> service(String namespace, String name) {
        Service svc = caches.cachedService(namespace, name);
        return Optional.ofNullable(svc).map(s -> new ServiceBuilder(s).build());
    }

    /** What the rules need to know about Service {@code namespace/name} for set {@code set}. */
    public ServiceFacts serviceFacts(String namespace, String name, String set) {
        Service svc = caches.cachedService(namespace, name);
        return ServiceFacts.of(svc, set);
    }

    /**
     * A copy of the cached member pod {@code namespace/name}. The pod cache's reduced store ({@link CachedFields})
     * builds a new pod from its kept fields on every read, so that pod is the copy: copying it again was 6 % of the
     * leader's CPU samples during a 100-pod rollout.
     */
    public Optional<Pod> pod(String namespace, String name) {
        return Optional.ofNullable(caches.cachedPod(namespace, name));
    }

    /** Copies of the cached pods of set {@code key}. */
    public List<Pod> pods(SetKey key) {
        List<Pod> result = new ArrayList<>();
        for (String name : caches.index().memberNames(key)) {
            pod(key.namespace(), name).ifPresent(result::add);
        }
        return result;
    }
}
