package dev.ordinal.cluster;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

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

    /**
     * Whether an update of a member pod changes a field Ordinal reads: those {@link #POD} keeps, with only the Ready
     * condition of the conditions (its status and since when, all {@code Member} reads). A pod's binding to a node,
     * its other conditions and its container statuses start no pass over its set: in a rollout those are about a
     * third of a pod's updates.
     */
    public static boolean podChangeMatters(Pod before, Pod after) {
        return metadataChangeMatters(before.getMetadata(), after.getMetadata())
                || !Objects.equals(
                        before.getMetadata().getAnnotations(),
                        after.getMetadata().getAnnotations())
                || !Objects.equals(spec(before, PodSpec::getSchedulingGates), spec(after, PodSpec::getSchedulingGates))
                || !Objects.equals(spec(before, PodSpec::getContainers), spec(after, PodSpec::getContainers))
                || !Objects.equals(phase(before), phase(after))
                || !Objects.equals(ready(before), ready(after));
    }

    /**
     * Whether an update of a claim changes a field Ordinal reads of claims: its labels (the set it belongs to), owners,
     * deletion, uid, storage request and class. Binding to a volume, the provisioner's annotations and the status start
     * no pass.
     */
    public static boolean claimChangeMatters(PersistentVolumeClaim before, PersistentVolumeClaim after) {
        return metadataChangeMatters(before.getMetadata(), after.getMetadata())
                || !Objects.equals(
                        claimSpec(before, PersistentVolumeClaimSpec::getResources),
                        claimSpec(after, PersistentVolumeClaimSpec::getResources))
                || !Objects.equals(
                        claimSpec(before, PersistentVolumeClaimSpec::getStorageClassName),
                        claimSpec(after, PersistentVolumeClaimSpec::getStorageClassName));
    }

    /** Identity (uid), set membership (labels), owners and deletion: what Ordinal reads of any object's metadata. */
    private static boolean metadataChangeMatters(ObjectMeta was, ObjectMeta is) {
        return !Objects.equals(was.getUid(), is.getUid())
                || !Objects.equals(was.getLabels(), is.getLabels())
                || !Objects.equals(was.getOwnerReferences(), is.getOwnerReferences())
                || !Objects.equals(was.getDeletionTimestamp(), is.getDeletionTimestamp());
    }

    private static <T> T spec(Pod pod, Function<PodSpec, T> field) {
        return pod.getSpec() == null ? null : field.apply(pod.getSpec());
    }

    private static <T> T claimSpec(PersistentVolumeClaim claim, Function<PersistentVolumeClaimSpec, T> field) {
        return claim.getSpec() == null ? null : field.apply(claim.getSpec());
    }

    private static String phase(Pod pod) {
        return pod.getStatus() == null ? null : pod.getStatus().getPhase();
    }

    /** The Ready condition's status and last transition, or null without one. */
    private static List<String> ready(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if (c != null && "Ready".equals(c.getType())) {
                return Arrays.asList(c.getStatus(), c.getLastTransitionTime());
            }
        }
        return null;
    }

    /** The item store for the member-pod informer. */
    public static ItemStore<Pod> podStore(KubernetesSerialization serialization) {
        return new ReducedStateItemStore<>(
                ReducedStateItemStore.NAME_KEY_STATE, Pod.class, serialization, POD.toArray(String[]::new));
    }
}
