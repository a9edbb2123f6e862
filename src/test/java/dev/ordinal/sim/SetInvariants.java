package dev.ordinal.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.support.OrderedStartOracle;
import dev.ordinal.support.OrderedStartOracle.PodState;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import io.fabric8.kubernetes.api.model.Volume;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * What must hold of the stored pods of every ordinal set after every observed step, in the spirit of
 * {@code assertMonotonicInvariants} in Kubernetes' stateful_set_control_test.go. Written independently of
 * Ordinal's own rules (it reads the raw labels and annotations), so it checks the app rather than repeating it.
 *
 * <ul>
 * <li>one live pod per ordinal, named {@code S-n} with a matching {@code apps.kubernetes.io/pod-index};
 * <li>identity: hostname, subdomain, pod-name label and deletion cost match the ordinal;
 * <li>storage: every claim template became the claim {@code <volume>-S-n}; a pod bound to a node has its claims;
 * <li>OrderedReady: judged by {@link OrderedStartOracle}: the release rule for the pod that changed, the
 * one-starting-at-a-time rule for every set;
 * <li>Parallel: no pod carries {@code ordinal.dev/ordered};
 * <li>scheduling gates are only ever removed.
 * </ul>
 */
public final class SetInvariants {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SetInvariants() {}

    /**
     * The violations after a pod changed from {@code before} to {@code after} (null when added or deleted), with
     * {@code pods} the state after the change. {@code everReady} holds the uids of pods that have been Ready at
     * some step; {@code claimExists} tells whether a PVC exists.
     */
    public static List<String> afterPodStep(
            Collection<Pod> pods, Pod before, Pod after, Set<String> everReady, Predicate<String> claimExists) {
        List<String> violations = new ArrayList<>(state(pods, everReady, claimExists));
        if (after == null || setOf(after) == null || isTerminating(after)) {
            return violations;
        }
        if (before != null) {
            List<String> added = new ArrayList<>(gates(after));
            added.removeAll(gates(before));
            if (!added.isEmpty()) {
                violations.add(after.getMetadata().getName() + " gained scheduling gates " + added + " after creation");
            }
        }
        if (ordered(after)) {
            String set = setOf(after);
            OrderedStartOracle oracle =
                    new OrderedStartOracle(set, startOrdinal(after), Set.of()).knownReady(everReady);
            List<PodState> members = oracle.states(pods);
            violations.addAll(oracle.judgeTransition(
                    members, before == null ? null : PodState.of(set, before), PodState.of(set, after)));
        }
        return violations;
    }

    /** The violations in the state {@code pods}, without regard to how it was reached. */
    public static List<String> state(Collection<Pod> pods, Set<String> everReady, Predicate<String> claimExists) {
        List<String> violations = new ArrayList<>();
        Map<String, List<Pod>> bySet = new TreeMap<>();
        for (Pod p : pods) {
            String set = setOf(p);
            if (set != null) {
                bySet.computeIfAbsent(set, k -> new ArrayList<>()).add(p);
            }
        }
        bySet.forEach((set, members) -> checkSet(set, members, everReady, claimExists, violations));
        return violations;
    }

    private static void checkSet(
            String set,
            List<Pod> members,
            Set<String> everReady,
            Predicate<String> claimExists,
            List<String> violations) {
        Map<Integer, String> holders = new TreeMap<>();
        for (Pod p : members) {
            String name = p.getMetadata().getName();
            int n = ordinalOf(set, name);
            if (n < 0) {
                violations.add("pod " + name + " of set " + set + " is not named " + set + "-<n>");
                continue;
            }
            checkIdentity(p, set, n, violations);
            checkStorage(p, claimExists, violations);
            if (isTerminating(p)) {
                continue;
            }
            String previous = holders.put(n, name);
            if (previous != null) {
                violations.add(
                        "ordinal " + n + " of set " + set + " is held by two live pods: " + previous + ", " + name);
            }
            boolean orderedGate = gates(p).contains(OrdinalKeys.ORDERED_GATE);
            if (!ordered(p) && orderedGate) {
                violations.add(name + " carries " + OrdinalKeys.ORDERED_GATE + " in a Parallel set");
            }
        }
        List<Pod> ordered = members.stream().filter(SetInvariants::ordered).toList();
        OrderedStartOracle oracle = OrderedStartOracle.forSet(set).knownReady(everReady);
        violations.addAll(oracle.judgeStarting(oracle.states(ordered)));
    }

    private static void checkIdentity(Pod p, String set, int n, List<String> violations) {
        String name = p.getMetadata().getName();
        Map<String, String> labels = p.getMetadata().getLabels();
        Map<String, String> annotations = p.getMetadata().getAnnotations() == null
                ? Map.of()
                : p.getMetadata().getAnnotations();
        String service = annotations.getOrDefault(OrdinalKeys.SERVICE_ANNOTATION, set);
        expect(
                violations,
                name,
                "label " + OrdinalKeys.POD_INDEX_LABEL,
                Integer.toString(n),
                labels.get(OrdinalKeys.POD_INDEX_LABEL));
        expect(violations, name, "label " + OrdinalKeys.POD_NAME_LABEL, name, labels.get(OrdinalKeys.POD_NAME_LABEL));
        expect(violations, name, "spec.hostname", name, p.getSpec().getHostname());
        expect(violations, name, "spec.subdomain", service, p.getSpec().getSubdomain());
        expect(
                violations,
                name,
                "annotation " + OrdinalKeys.DELETION_COST_ANNOTATION,
                Integer.toString(-n),
                annotations.get(OrdinalKeys.DELETION_COST_ANNOTATION));
    }

    private static void checkStorage(Pod p, Predicate<String> claimExists, List<String> violations) {
        String name = p.getMetadata().getName();
        String templates = p.getMetadata().getAnnotations() == null
                ? null
                : p.getMetadata().getAnnotations().get(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION);
        if (templates != null) {
            JsonNode parsed;
            try {
                parsed = MAPPER.readTree(templates);
            } catch (IOException e) {
                violations.add(
                        name + " has unreadable " + OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION + ": " + e.getMessage());
                return;
            }
            for (Iterator<String> it = parsed.fieldNames(); it.hasNext(); ) {
                String volume = it.next();
                Volume v = p.getSpec().getVolumes().stream()
                        .filter(x -> volume.equals(x.getName()))
                        .findFirst()
                        .orElse(null);
                String want = volume + "-" + name;
                String got = v == null || v.getPersistentVolumeClaim() == null
                        ? null
                        : v.getPersistentVolumeClaim().getClaimName();
                expect(violations, name, "claim of volume " + volume, want, got);
            }
        }
        String node = p.getSpec().getNodeName();
        if (node != null && !node.isEmpty()) {
            for (String claim : KubeletSim.claimNames(p)) {
                if (!claimExists.test(claim)) {
                    violations.add(name + " is bound to " + node + " but its claim " + claim + " does not exist");
                }
            }
        }
    }

    private static void expect(List<String> violations, String pod, String what, String want, String got) {
        if (!want.equals(got)) {
            violations.add(pod + ": " + what + " is " + (got == null ? "unset" : "\"" + got + "\"") + ", want \"" + want
                    + "\"");
        }
    }

    /** Live pods of {@code set} by ordinal (the first one wins if two hold one; that is reported elsewhere). */
    public static Map<Integer, Pod> liveByOrdinal(Collection<Pod> pods, String set) {
        Map<Integer, Pod> live = new TreeMap<>();
        for (Pod p : pods) {
            int n = set.equals(setOf(p)) ? ordinalOf(set, p.getMetadata().getName()) : -1;
            if (n >= 0 && !isTerminating(p)) {
                live.putIfAbsent(n, p);
            }
        }
        return live;
    }

    /** The ordinal of {@code name} in {@code set}, or -1 when it is not {@code set-n}. */
    public static int ordinalOf(String set, String name) {
        return OrderedStartOracle.ordinalOf(set, name);
    }

    public static String setOf(Pod p) {
        return p.getMetadata().getLabels() == null
                ? null
                : p.getMetadata().getLabels().get(OrdinalKeys.SET_LABEL);
    }

    public static boolean isTerminating(Pod p) {
        return p.getMetadata().getDeletionTimestamp() != null;
    }

    /** The scheduling gate names of {@code p}. */
    public static List<String> gates(Pod p) {
        return p.getSpec() == null || p.getSpec().getSchedulingGates() == null
                ? List.of()
                : p.getSpec().getSchedulingGates().stream()
                        .map(PodSchedulingGate::getName)
                        .toList();
    }

    private static boolean ordered(Pod p) {
        String policy = p.getMetadata().getAnnotations() == null
                ? null
                : p.getMetadata().getAnnotations().get(OrdinalKeys.POLICY_ANNOTATION);
        return !"Parallel".equals(policy);
    }

    private static int startOrdinal(Pod p) {
        String start = p.getMetadata().getAnnotations() == null
                ? null
                : p.getMetadata().getAnnotations().get(OrdinalKeys.START_ORDINAL_ANNOTATION);
        try {
            return start == null ? 0 : Integer.parseInt(start);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
