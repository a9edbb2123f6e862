package dev.ordinal.plan;

import static dev.ordinal.identity.OrdinalKeys.CLAIMS_GATE;
import static dev.ordinal.identity.OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION;

import dev.ordinal.identity.ClaimTemplates;
import dev.ordinal.identity.Member;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.identity.Parsed;
import dev.ordinal.identity.PodNames;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpecBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The storage step of SPEC §4: which per-ordinal PVCs a pod gated by {@code ordinal.dev/claims} needs created,
 * which exist already (reused as they are, never overwritten: that is how a re-created {@code S-n} gets its data
 * back) and which are still being deleted, and whether the gate may go.
 */
public final class ClaimPlan {

    private ClaimPlan() {}

    /** What to do about one claim of the pod. */
    public enum Action {
        /** No PVC of that name exists: create {@link Claim#toCreate()}. */
        CREATE,
        /** A PVC of that name exists and is not being deleted: use it as it is. */
        REUSE,
        /** A PVC of that name is being deleted: wait until it is gone, then create a new one. */
        TERMINATING
    }

    /** One claim {@code name} for volume {@code volume}; {@code toCreate} is set only for {@link Action#CREATE}. */
    public record Claim(String volume, String name, Action action, PersistentVolumeClaim toCreate) {}

    /** Outcome of {@link #plan}. */
    public sealed interface Plan {
        /** The pod does not carry the claims gate, or is terminating: nothing to do. */
        record NotGated() implements Plan {}

        /** The pod's claims, in volume order. The gate may go once none is {@link Action#TERMINATING}. */
        record Claims(List<Claim> claims) implements Plan {
            public Claims {
                claims = List.copyOf(claims);
            }

            /** True when, after the creations, every claim exists and none is being deleted. */
            public boolean gateReleasable() {
                return claims.stream().noneMatch(c -> c.action() == Action.TERMINATING);
            }
        }

        /** The gate is there but the claims cannot be worked out; {@code reason} is ready for an event. */
        record Invalid(String reason) implements Plan {}
    }

    /**
     * Plans the claims of member {@code pod} of set {@code set}. {@code existing} looks a PVC up by name in the pod's
     * namespace. A gated pod with no templates has nothing to wait for, so its plan is an empty, releasable list.
     */
    public static Plan plan(Pod pod, String set, Function<String, Optional<PersistentVolumeClaim>> existing) {
        if (Member.isTerminating(pod) || !hasGate(pod)) {
            return new Plan.NotGated();
        }
        String name = pod.getMetadata().getName();
        int n = PodNames.ordinalOf(set, name);
        if (n < 0) {
            return new Plan.Invalid("pod " + name + " is not named " + set + "-<n>, so its claims have no names");
        }
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        Parsed<Map<String, PersistentVolumeClaimTemplate>> parsed =
                ClaimTemplates.parse(annotations == null ? null : annotations.get(CLAIM_TEMPLATES_ANNOTATION));
        if (parsed instanceof Parsed.Invalid<?> invalid) {
            return new Plan.Invalid(
                    "annotation " + CLAIM_TEMPLATES_ANNOTATION + " of " + name + ": " + invalid.reason());
        }
        List<Claim> claims = new ArrayList<>();
        for (Map.Entry<String, PersistentVolumeClaimTemplate> e :
                parsed.valid().orElseThrow().entrySet()) {
            String claimName = PodNames.claimName(e.getKey(), set, n);
            Optional<PersistentVolumeClaim> found = existing.apply(claimName);
            if (found.isEmpty()) {
                claims.add(new Claim(
                        e.getKey(),
                        claimName,
                        Action.CREATE,
                        claimFor(pod.getMetadata().getNamespace(), set, claimName, e.getValue())));
            } else if (found.get().getMetadata().getDeletionTimestamp() != null) {
                claims.add(new Claim(e.getKey(), claimName, Action.TERMINATING, null));
            } else {
                claims.add(new Claim(e.getKey(), claimName, Action.REUSE, null));
            }
        }
        return new Plan.Claims(claims);
    }

    /**
     * The PVC {@code name} made from {@code template}: the template's spec, its labels plus {@code ordinal.dev/set},
     * its annotations, and no ownerReference, so it outlives the pod as a StatefulSet's claims do.
     */
    public static PersistentVolumeClaim claimFor(
            String namespace, String set, String name, PersistentVolumeClaimTemplate template) {
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, String> annotations = new LinkedHashMap<>();
        if (template.getMetadata() != null) {
            if (template.getMetadata().getLabels() != null) {
                labels.putAll(template.getMetadata().getLabels());
            }
            if (template.getMetadata().getAnnotations() != null) {
                annotations.putAll(template.getMetadata().getAnnotations());
            }
        }
        labels.put(OrdinalKeys.SET_LABEL, set);
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(labels)
                .withAnnotations(annotations.isEmpty() ? null : annotations)
                .endMetadata()
                .withSpec(new PersistentVolumeClaimSpecBuilder(template.getSpec()).build())
                .build();
    }

    private static boolean hasGate(Pod pod) {
        return pod.getSpec() != null
                && pod.getSpec().getSchedulingGates() != null
                && pod.getSpec().getSchedulingGates().stream().anyMatch(g -> CLAIMS_GATE.equals(g.getName()));
    }
}
