package dev.ordinal.identity;

import static dev.ordinal.identity.OrdinalKeys.POD_INDEX_LABEL;
import static dev.ordinal.identity.OrdinalKeys.POD_NAME_LABEL;
import static dev.ordinal.identity.OrdinalKeys.SET_LABEL;
import static dev.ordinal.identity.SettingsParser.quote;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The validating webhook's UPDATE rule (SPEC §3.2): identity is fixed at creation, as StatefulSet's
 * {@code initIdentity} runs only on create, and only the controller may lift Ordinal's scheduling gates.
 */
public final class UpdateRules {

    private UpdateRules() {}

    /**
     * Decides an UPDATE from {@code oldPod} to {@code newPod} made by {@code username}; {@code controllerUsers} are
     * the identities allowed to remove Ordinal's gates.
     */
    public static Decision validate(Pod oldPod, Pod newPod, String username, Collection<String> controllerUsers) {
        String oldSet = Member.setOf(oldPod);
        String newSet = Member.setOf(newPod);
        if (oldSet == null && newSet != null) {
            return Decision.Deny.forbidden("label " + SET_LABEL + " cannot be added to existing pod "
                    + oldPod.getMetadata().getName() + ": a pod can join ordinal set " + quote(newSet)
                    + " only at creation; create a new pod with the label instead");
        }
        if (oldSet == null) {
            return Decision.Allow.unchanged();
        }
        if (newSet == null) {
            return Decision.Deny.forbidden("label " + SET_LABEL + " cannot be removed from pod "
                    + oldPod.getMetadata().getName() + ": a pod cannot leave ordinal set " + quote(oldSet)
                    + " after creation; delete the pod instead");
        }
        if (!oldSet.equals(newSet)) {
            return immutable("label " + SET_LABEL, oldSet, newSet);
        }
        for (String label : List.of(POD_INDEX_LABEL, POD_NAME_LABEL)) {
            String before = labels(oldPod).get(label);
            String after = labels(newPod).get(label);
            if (!Objects.equals(before, after)) {
                return immutable("label " + label, before, after);
            }
        }
        Set<String> keys = new TreeSet<>();
        keys.addAll(ordinalKeys(annotations(oldPod)));
        keys.addAll(ordinalKeys(annotations(newPod)));
        for (String key : keys) {
            String before = annotations(oldPod).get(key);
            String after = annotations(newPod).get(key);
            if (!Objects.equals(before, after)) {
                return immutable("annotation " + key, before, after);
            }
        }
        // A request without userInfo.username is never the controller; and List.of/Set.of throw on contains(null).
        if (username == null || !controllerUsers.contains(username)) {
            Set<String> removed = gates(oldPod);
            removed.removeAll(gates(newPod));
            removed.retainAll(OrdinalKeys.GATES);
            if (!removed.isEmpty()) {
                return Decision.Deny.forbidden(
                        "scheduling gate " + removed.iterator().next() + " on pod "
                                + oldPod.getMetadata().getName() + " may be removed only by the Ordinal controller ("
                                + String.join(", ", controllerUsers) + "), not by " + quote(String.valueOf(username))
                                + "; it is lifted automatically when the pod may start");
            }
        }
        return Decision.Allow.unchanged();
    }

    private static Decision immutable(String field, String before, String after) {
        return Decision.Deny.forbidden(
                field + " is immutable: it was " + describe(before) + " and the update sets it to " + describe(after)
                        + "; Ordinal identity is fixed when the pod is created");
    }

    private static String describe(String value) {
        return value == null ? "unset" : quote(value);
    }

    private static Set<String> ordinalKeys(Map<String, String> annotations) {
        Set<String> keys = new TreeSet<>();
        for (String key : annotations.keySet()) {
            if (key.startsWith(OrdinalKeys.PREFIX)) {
                keys.add(key);
            }
        }
        return keys;
    }

    private static Set<String> gates(Pod pod) {
        Set<String> names = new TreeSet<>();
        if (pod.getSpec() != null && pod.getSpec().getSchedulingGates() != null) {
            for (PodSchedulingGate g : pod.getSpec().getSchedulingGates()) {
                // A gate without a name is not one of Ordinal's (and the API server rejects it anyway).
                if (g != null && g.getName() != null) {
                    names.add(g.getName());
                }
            }
        }
        return names;
    }

    private static Map<String, String> labels(Pod pod) {
        return PodIdentity.nonNull(pod.getMetadata().getLabels());
    }

    private static Map<String, String> annotations(Pod pod) {
        return PodIdentity.nonNull(pod.getMetadata().getAnnotations());
    }
}
