package dev.ordinal.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;

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

    private CachedFields() {}

    /**
     * Whether an update of a member pod changes a field Ordinal reads: those {@link #reduce} keeps, with only the Ready
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
                || !sameContainerPorts(before, after)
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

    /**
     * A new pod holding only what the pod cache keeps of {@code pod} ({@link KeptPod}), sharing nothing that can be
     * changed with it:
     * <ul>
     * <li>{@code metadata}: name, namespace, uid (identity, events, delete preconditions), resourceVersion (cache lag),
     *     labels ({@code ordinal.dev/set}: which set), annotations (settings, claim templates), ownerReferences (gap
     *     healing and retention: the controller owner) and deletionTimestamp (terminating members);
     * <li>{@code spec}: schedulingGates (the gates the controller removes) and of each container its name and ports
     *     (the ports the headless Service is created with);
     * <li>{@code status}: phase and conditions (Running and Ready, and since when).
     * </ul>
     * Fields it does not set keep the model's defaults (empty lists and maps), as a pod read from JSON without them.
     */
    public static Pod reduce(Pod pod) {
        return KeptPod.of(pod).toPod();
    }

    /**
     * A new claim holding only what the claim cache keeps of {@code claim} ({@link KeptClaim}), sharing nothing that
     * can be changed with it: the {@code metadata} a pod's keeps but its annotations (name, namespace, uid,
     * resourceVersion, labels, ownerReferences, deletionTimestamp: whose it is, retention, the claims a terminating pod
     * waits for), and of the spec the storage request and class (volume growth). Binding, access modes and status are
     * not read. Claims are changed only by JSON patches tested against the resourceVersion, and deleted with a uid
     * precondition.
     */
    public static PersistentVolumeClaim reduce(PersistentVolumeClaim claim) {
        return KeptClaim.of(claim).toClaim();
    }

    /** Whether both pods have the same containers by name with the same ports: what the cache keeps of them. */
    private static boolean sameContainerPorts(Pod before, Pod after) {
        List<Container> was = spec(before, PodSpec::getContainers);
        List<Container> is = spec(after, PodSpec::getContainers);
        int size = was == null ? 0 : was.size();
        if (size != (is == null ? 0 : is.size())) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            Container a = was.get(i);
            Container b = is.get(i);
            if (a == null || b == null
                    ? a != b
                    : !Objects.equals(a.getName(), b.getName()) || !Objects.equals(ports(a), ports(b))) {
                return false;
            }
        }
        return true;
    }

    /** A container's ports, with no ports and an empty list the same. */
    private static List<ContainerPort> ports(Container container) {
        return container.getPorts() == null ? List.of() : container.getPorts();
    }

    /** Copies of the elements of {@code list} (null elements stay null); an empty list for null. */
    static <T> List<T> copies(List<T> list, UnaryOperator<T> copy) {
        if (list == null) {
            return new ArrayList<>();
        }
        List<T> result = new ArrayList<>(list.size());
        for (T element : list) {
            result.add(element == null ? null : copy.apply(element));
        }
        return result;
    }

    /** The item store for the member-pod informer. */
    public static ItemStore<Pod> podStore() {
        return new ReducedStore<>(KeptPod::of, KeptPod::toPod);
    }

    /** The item store for the claim informer (every claim of the cluster). */
    public static ReducedStore<PersistentVolumeClaim, ?> claimStore() {
        return new ReducedStore<>(KeptClaim::of, KeptClaim::toClaim);
    }
}
