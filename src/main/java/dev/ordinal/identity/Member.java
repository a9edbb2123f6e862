package dev.ordinal.identity;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * An immutable summary of one pod of a set: what the rules need and nothing that can be changed by the reader.
 *
 * @param readySince when the Ready condition last became true, or null when not ready or unknown
 * @param settings the pod's parsed settings, or null when its annotations are invalid (it predates Ordinal)
 * @param controller the pod's controller owner as {@code Kind/name} (the ownerReference with {@code controller: true},
 *     a ReplicaSet or Job, say), or null when nothing controls it and nobody would re-create it
 */
public record Member(
        String name,
        String uid,
        int ordinal,
        boolean terminating,
        String phase,
        boolean runningAndReady,
        Instant readySince,
        SetSettings settings,
        List<String> schedulingGates,
        String controller) {

    /** Summarizes {@code pod}; the ordinal is -1 when its name is not {@code S-n}. */
    public static Member of(Pod pod, String set) {
        String name = pod.getMetadata().getName();
        boolean terminating = isTerminating(pod);
        boolean ready = !terminating && isRunningAndReady(pod);
        List<String> gates = pod.getSpec() == null || pod.getSpec().getSchedulingGates() == null
                ? List.of()
                : pod.getSpec().getSchedulingGates().stream()
                        .map(PodSchedulingGate::getName)
                        .toList();
        return new Member(
                name,
                pod.getMetadata().getUid(),
                PodNames.ordinalOf(set, name),
                terminating,
                pod.getStatus() == null ? null : pod.getStatus().getPhase(),
                ready,
                ready ? readySince(pod) : null,
                SettingsParser.settings(set, pod.getMetadata().getAnnotations()).orElse(null),
                gates,
                controllerOf(pod));
    }

    /** The ownerReference of {@code pod} with {@code controller: true} as {@code Kind/name}, or null when none. */
    public static String controllerOf(Pod pod) {
        if (pod.getMetadata().getOwnerReferences() == null) {
            return null;
        }
        for (OwnerReference ref : pod.getMetadata().getOwnerReferences()) {
            if (ref != null && Boolean.TRUE.equals(ref.getController())) {
                return ref.getKind() + "/" + ref.getName();
            }
        }
        return null;
    }

    /** True once the pod has a deletion timestamp. */
    public static boolean isTerminating(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() != null;
    }

    /** Phase Running and condition Ready=True, as StatefulSet's {@code isRunningAndReady}. */
    public static boolean isRunningAndReady(Pod pod) {
        return pod.getStatus() != null
                && "Running".equals(pod.getStatus().getPhase())
                && readyCondition(pod) != null
                && "True".equals(readyCondition(pod).getStatus());
    }

    /** True when the pod still carries Ordinal's scheduling gate {@code gate}. */
    public boolean hasGate(String gate) {
        return schedulingGates.contains(gate);
    }

    /**
     * True when the pod has been Running and Ready for more than {@code minReadySeconds} at {@code now}, as
     * Kubernetes' {@code podutil.IsPodAvailable}: with a minimum, a ready pod with no (or an unreadable) transition
     * time is not available yet.
     */
    public boolean isAvailable(int minReadySeconds, Instant now) {
        if (!runningAndReady) {
            return false;
        }
        return minReadySeconds == 0
                || readySince != null && readySince.plusSeconds(minReadySeconds).isBefore(now);
    }

    private static PodCondition readyCondition(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return c;
            }
        }
        return null;
    }

    private static Instant readySince(Pod pod) {
        PodCondition ready = readyCondition(pod);
        if (ready == null || ready.getLastTransitionTime() == null) {
            return null;
        }
        try {
            return Instant.parse(ready.getLastTransitionTime());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The set name carried by {@code pod}, or null when it carries none. */
    public static String setOf(Pod pod) {
        Map<String, String> labels =
                pod.getMetadata() == null ? null : pod.getMetadata().getLabels();
        if (labels == null || !labels.containsKey(OrdinalKeys.SET_LABEL)) {
            return null;
        }
        String set = labels.get(OrdinalKeys.SET_LABEL);
        return set == null ? "" : set; // JSON null is "" to the API server, and "" still matches Exists
    }
}
