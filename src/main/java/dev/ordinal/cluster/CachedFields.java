package dev.ordinal.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;

/**
 * What the pod cache keeps of each member pod: only the fields Ordinal reads from cached pods (the controller
 * through {@code ClusterReader.pods}, the index through {@code Member.of}, events about a pod), so managed fields,
 * container statuses and most of the spec are not held for 10,000 pods. {@code CachedFieldsTest} round-trips a fully
 * populated pod through this store and fails when something Ordinal reads is not kept.
 *
 * <p>
 * Nothing writes a cached pod back whole: the controller removes gates with a JSON patch built from
 * {@code spec.schedulingGates} and deletes with a uid precondition, so a reduced pod never reaches the API server.
 */
public final class CachedFields {

    /** Dotted paths into the pod, each kept whole (name, namespace and resourceVersion are always kept). */
    public static final List<String> POD = List.of(
            "metadata.uid", // identity, events, delete preconditions
            "metadata.labels", // ordinal.dev/set: which set, and the index key of an update's old object
            "metadata.annotations", // settings, claim templates
            "metadata.ownerReferences", // gap healing: the controller owner
            "metadata.deletionTimestamp", // terminating members
            "spec.schedulingGates", // the gates the controller removes
            "spec.containers", // the container ports the headless Service is created with
            "status.phase", // Running and Ready
            "status.conditions"); // Ready and since when

    private CachedFields() {}

    /** The item store for the member-pod informer. */
    public static ItemStore<Pod> podStore(KubernetesSerialization serialization) {
        return new ReducedStateItemStore<>(
                ReducedStateItemStore.NAME_KEY_STATE, Pod.class, serialization, POD.toArray(String[]::new));
    }
}
