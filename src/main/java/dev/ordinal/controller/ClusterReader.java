package dev.ordinal.controller;

import dev.ordinal.cluster.ClusterCaches;
import dev.ordinal.cluster.ClusterView;
import dev.ordinal.cluster.SetKey;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What the controller reads: the informer caches, never the API server. Every object handed out is a copy. Kept
 * as an interface so a controller can run outside CDI (two instances against one mock API in a test).
 */
public interface ClusterReader {

    /** True when every cache has completed its first list. */
    boolean synced();

    /** Every set that has or had pods in the cache. */
    Collection<SetKey> sets();

    /** Copies of the cached pods of set {@code key}. */
    List<Pod> pods(SetKey key);

    /** A copy of the cached PVC {@code namespace/name}. */
    Optional<PersistentVolumeClaim> claim(String namespace, String name);

    /** Copies of the cached PVCs of {@code namespace} (retention finds a set's claims by name among them). */
    List<PersistentVolumeClaim> claims(String namespace);

    /** A copy of the cached Service {@code namespace/name}. */
    Optional<Service> service(String namespace, String name);

    /**
     * Ordinals of set {@code key} that admission in this process has handed out and not seen stored yet (unexpired
     * reservations). The controller runs in the same process as admission, so these are this replica's own.
     */
    Set<Integer> reserved(SetKey key);

    /** Calls {@code listener} whenever a pod, PVC or Service of a set changes. */
    void onSetChange(Consumer<SetKey> listener);

    /** The reader backed by the application's caches: lookups from {@code view}, sync and changes from {@code caches}. */
    static ClusterReader of(ClusterCaches caches, ClusterView view) {
        return new ClusterReader() {
            @Override
            public boolean synced() {
                return caches.synced();
            }

            @Override
            public Collection<SetKey> sets() {
                return view.sets();
            }

            @Override
            public List<Pod> pods(SetKey key) {
                return view.pods(key);
            }

            @Override
            public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
                return view.claim(namespace, name);
            }

            @Override
            public List<PersistentVolumeClaim> claims(String namespace) {
                return view.claims(namespace);
            }

            @Override
            public Optional<Service> service(String namespace, String name) {
                return view.service(namespace, name);
            }

            @Override
            public Set<Integer> reserved(SetKey key) {
                return view.reserved(key);
            }

            @Override
            public void onSetChange(Consumer<SetKey> listener) {
                caches.onSetChange(listener);
            }
        };
    }
}
