package dev.ordinal.identity;

import static dev.ordinal.identity.OrdinalKeys.CLAIMS_GATE;
import static dev.ordinal.identity.OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.DELETION_COST_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.ORDERED_GATE;
import static dev.ordinal.identity.OrdinalKeys.POD_INDEX_LABEL;
import static dev.ordinal.identity.OrdinalKeys.POD_NAME_LABEL;
import static dev.ordinal.identity.SettingsParser.quote;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimVolumeSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The identity Ordinal gives member {@code S-n} (SPEC §3.1 steps 2–4): hostname, subdomain, labels, deletion cost,
 * per-ordinal claims and scheduling gates. Works on a copy ({@link PodCopy}); the input pod is never changed.
 */
public final class PodIdentity {

    private PodIdentity() {}

    /** The fields Ordinal owns on member {@code S-n}, with the values it gives them. */
    record OwnedField(String field, String actual, String wanted) {}

    /**
     * Fields that the pod already sets to something other than Ordinal's value. Ordinal never silently overwrites a
     * value the user chose, so each one is a reason to deny.
     */
    static List<OwnedField> conflicts(Pod pod, SetSettings s, int n) {
        String name = PodNames.podName(s.set(), n);
        Map<String, String> labels = nonNull(pod.getMetadata().getLabels());
        Map<String, String> annotations = nonNull(pod.getMetadata().getAnnotations());
        // Asked on every review and almost always empty: nothing is allocated unless a field conflicts.
        List<OwnedField> found = List.of();
        found = conflict(found, "spec.hostname", pod.getSpec().getHostname(), name);
        found = conflict(found, "spec.subdomain", pod.getSpec().getSubdomain(), s.service());
        String index = labels.get(POD_INDEX_LABEL);
        found = conflict(found, "label " + POD_INDEX_LABEL, index, index == null ? null : Integer.toString(n));
        found = conflict(found, "label " + POD_NAME_LABEL, labels.get(POD_NAME_LABEL), name);
        String cost = annotations.get(DELETION_COST_ANNOTATION);
        return conflict(
                found, "annotation " + DELETION_COST_ANNOTATION, cost, cost == null ? null : Integer.toString(-n));
    }

    /** {@code found} with field {@code field} added when the pod sets it ({@code actual}) to other than wanted. */
    private static List<OwnedField> conflict(List<OwnedField> found, String field, String actual, String wanted) {
        if (actual == null || actual.equals(wanted)) {
            return found;
        }
        List<OwnedField> more = found.isEmpty() ? new ArrayList<>() : found;
        more.add(new OwnedField(field, actual, wanted));
        return more;
    }

    /** A denial for the first conflicting owned field, if any. */
    static Decision.Deny conflictDenial(List<OwnedField> conflicts, String podName) {
        OwnedField f = conflicts.get(0);
        return Decision.Deny.forbidden(
                f.field() + " is " + quote(f.actual()) + " but Ordinal owns it for " + podName + " and sets it to "
                        + quote(f.wanted()) + "; remove it from the pod (template) or set it to that value");
    }

    /**
     * Mutates a copy of {@code pod} into member {@code S-n}; {@code member} is what {@link CreateRules#prepare} made of
     * it. {@code claimExists} tells whether a PVC of that name is in the cache. Gates are only ever added here, never
     * removed, so running this again on its own output with the same cluster state changes nothing (re-invocation is
     * a no-op).
     */
    public static Decision mutate(
            Pod pod, CreateRules.Prepared.Member member, int n, SetSnapshot snapshot, Predicate<String> claimExists) {
        SetSettings s = member.settings();
        String name = PodNames.podName(s.set(), n);
        List<OwnedField> conflicts = conflicts(pod, s, n);
        if (!conflicts.isEmpty()) {
            return conflictDenial(conflicts, name);
        }
        Optional<Decision.Deny> forged = CreateRules.claimTemplatesProblem(pod, member, n);
        if (forged.isPresent()) {
            return forged.get();
        }
        Pod copy = PodCopy.sharingUnowned(pod);
        copy.getMetadata().setName(name);
        copy.getSpec().setHostname(name);
        copy.getSpec().setSubdomain(s.service());

        Map<String, String> labels =
                new LinkedHashMap<>(nonNull(copy.getMetadata().getLabels()));
        labels.put(POD_INDEX_LABEL, Integer.toString(n));
        labels.put(POD_NAME_LABEL, name);
        copy.getMetadata().setLabels(labels);

        Map<String, String> annotations =
                new LinkedHashMap<>(nonNull(copy.getMetadata().getAnnotations()));
        annotations.put(DELETION_COST_ANNOTATION, Integer.toString(-n));

        Map<String, PersistentVolumeClaimTemplate> templates = new TreeMap<>(member.claimTemplates());
        List<Volume> volumes = new ArrayList<>();
        for (Volume v : nonNull(copy.getSpec().getVolumes())) {
            if (v.getEphemeral() != null && !s.ephemeralVolumes().contains(v.getName())) {
                templates.put(v.getName(), v.getEphemeral().getVolumeClaimTemplate());
                // Not VolumeBuilder: its constructor copies an empty Volume field by field (4 µs a review).
                Volume claimVolume = new Volume();
                claimVolume.setName(v.getName());
                claimVolume.setPersistentVolumeClaim(
                        new PersistentVolumeClaimVolumeSource(PodNames.claimName(v.getName(), s.set(), n), false));
                volumes.add(claimVolume);
            } else {
                volumes.add(v);
            }
        }
        if (!templates.isEmpty()) {
            copy.getSpec().setVolumes(volumes);
            annotations.put(CLAIM_TEMPLATES_ANNOTATION, ClaimTemplates.encode(templates));
        }
        copy.getMetadata().setAnnotations(annotations);

        List<PodSchedulingGate> gates = new ArrayList<>(nonNull(copy.getSpec().getSchedulingGates()));
        List<String> missingClaims = templates.keySet().stream()
                .map(volume -> PodNames.claimName(volume, s.set(), n))
                .filter(claim -> !claimExists.test(claim))
                .toList();
        OptionalInt waitingFor = s.gated()
                ? snapshot.firstNotReadyBelow(s.startOrdinal(), n, s.reservedOrdinals())
                : OptionalInt.empty();
        String nodeName = copy.getSpec().getNodeName();
        if (nodeName != null && !nodeName.isEmpty() && (!missingClaims.isEmpty() || waitingFor.isPresent())) {
            return pinnedButGated(nodeName, s, n, missingClaims, waitingFor);
        }
        if (!missingClaims.isEmpty()) {
            addGate(gates, CLAIMS_GATE);
        }
        if (waitingFor.isPresent()) {
            addGate(gates, ORDERED_GATE);
        }
        if (!gates.isEmpty()) {
            copy.getSpec().setSchedulingGates(gates);
        }
        return new Decision.Allow(copy, List.of());
    }

    /**
     * The denial for a member that sets {@code spec.nodeName} but must be gated: the API server refuses a pod with
     * both ("spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"), so rather than let
     * the creation fail with a 422 that does not mention Ordinal, say which gate Ordinal needs and what to do instead.
     */
    static Decision.Deny pinnedButGated(
            String nodeName, SetSettings s, int n, List<String> missingClaims, OptionalInt waitingFor) {
        List<String> reasons = new ArrayList<>();
        List<String> remedies = new ArrayList<>();
        if (!missingClaims.isEmpty()) {
            reasons.add(CLAIMS_GATE + " until it has created claim(s) " + String.join(", ", missingClaims));
            remedies.add("create the claim(s) before the pod");
        }
        if (waitingFor.isPresent()) {
            reasons.add(ORDERED_GATE + " until " + PodNames.podName(s.set(), waitingFor.getAsInt())
                    + " is Running and Ready (" + OrdinalKeys.POLICY_ANNOTATION + " OrderedReady with "
                    + OrdinalKeys.ORDERING_ANNOTATION + " gate)");
            remedies.add("set annotation " + OrdinalKeys.ORDERING_ANNOTATION + ": deny (creation is then refused,"
                    + " and retried by the pod's creator, until every lower ordinal is Running and Ready)");
        }
        remedies.add("drop spec.nodeName and pin the node with a nodeSelector on kubernetes.io/hostname, which a gated"
                + " pod may carry");
        return Decision.Deny.forbidden("spec.nodeName is " + quote(nodeName) + ", but Ordinal must hold "
                + PodNames.podName(s.set(), n) + " behind scheduling gate " + String.join(" and gate ", reasons)
                + ", and the API server refuses a pod that sets spec.nodeName while it has scheduling gates; allowed: "
                + String.join(", or ", remedies));
    }

    private static void addGate(List<PodSchedulingGate> gates, String gate) {
        if (gates.stream().noneMatch(g -> Objects.equals(g.getName(), gate))) {
            gates.add(new PodSchedulingGate(gate));
        }
    }

    static <K, V> Map<K, V> nonNull(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }

    static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
