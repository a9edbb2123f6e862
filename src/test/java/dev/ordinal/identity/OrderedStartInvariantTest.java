package dev.ordinal.identity;

import static dev.ordinal.identity.OrdinalKeys.CLAIMS_GATE;
import static dev.ordinal.identity.OrdinalKeys.ORDERED_GATE;
import static dev.ordinal.identity.OrdinalKeys.ORDERING_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.POLICY_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.START_ORDINAL_ANNOTATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.ordinal.support.OrderedStartOracle;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded histories of a Deployment-like creator, a kubelet, a minimal controller and deletions, all driven through
 * the core rules, with StatefulSet's invariants checked after every step for OrderedReady and Parallel.
 */
class OrderedStartInvariantTest {

    /** A pod in the simulated cluster. */
    private static final class SimPod {
        final Pod pod;
        final int ordinal;

        SimPod(Pod pod, int ordinal) {
            this.pod = pod;
            this.ordinal = ordinal;
        }

        boolean terminating() {
            return Member.isTerminating(pod);
        }

        boolean ready() {
            return Member.isRunningAndReady(pod);
        }

        boolean hasGate(String gate) {
            return gates().contains(gate);
        }

        List<String> gates() {
            List<PodSchedulingGate> gates = pod.getSpec().getSchedulingGates();
            return gates == null
                    ? List.of()
                    : gates.stream().map(PodSchedulingGate::getName).toList();
        }
    }

    static Stream<Arguments> histories() {
        List<Arguments> cases = new ArrayList<>();
        Map<String, String[]> modes = new TreeMap<>(Map.of(
                "OrderedReady with gate",
                new String[] {},
                "OrderedReady with gate from start 5",
                new String[] {START_ORDINAL_ANNOTATION, "5"},
                "OrderedReady with deny",
                new String[] {ORDERING_ANNOTATION, "deny"},
                "Parallel",
                new String[] {POLICY_ANNOTATION, "Parallel"}));
        for (Map.Entry<String, String[]> mode : modes.entrySet()) {
            for (long seed : new long[] {1, 99, 31337}) {
                cases.add(argumentSet(mode.getKey() + ", seed " + seed, mode.getValue(), seed));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("histories")
    void keepsStatefulSetInvariantsAfterEveryStep(String[] annotations, long seed) {
        Random random = new Random(seed);
        SetSettings settings = Settings.of("web", annotations);
        Map<String, SimPod> cluster = new TreeMap<>();
        Set<String> claims = new HashSet<>();
        OrderedStartOracle oracle = new OrderedStartOracle("web", settings.startOrdinal(), Set.of());
        int created = 0;
        int started = 0;
        int[] heldBack = {0}; // creations refused or gated because a predecessor was not ready
        for (int step = 0; step < 300; step++) {
            String where = "seed " + seed + " step " + step;
            int action = random.nextInt(7);
            Map<String, OrderedStartOracle.PodState> before = new HashMap<>();
            oracle.states(pods(cluster)).forEach(p -> before.put(p.uid(), p));
            switch (action) {
                case 0, 1 -> created += create(settings, annotations, cluster, claims, heldBack, where) ? 1 : 0;
                case 2, 3 -> started += kubeletStartsOne(random, cluster) ? 1 : 0;
                case 4 -> controllerActsOnce(random, settings, cluster, claims);
                case 5 -> {
                    if (random.nextBoolean()) {
                        deleteOne(random, cluster);
                    } else {
                        probeFailsOnOne(random, cluster);
                    }
                }
                default -> goneOne(random, cluster);
            }
            checkInvariants(settings, cluster, claims, where);
            // Ordinal's own steps (admission, the controller) release a pod only in order. The kubelet, deletions and
            // failing probes are the world: they may make a released pod Ready after a predecessor went away, as
            // under a StatefulSet, so the oracle's Ready and one-at-a-time rules do not apply to this history.
            if (settings.ordered() && (action <= 1 || action == 4)) {
                List<OrderedStartOracle.PodState> now = oracle.states(pods(cluster));
                for (OrderedStartOracle.PodState after : now) {
                    assertThat(oracle.judgeTransition(now, before.get(after.uid()), after))
                            .as("%s: ordered start", where)
                            .isEmpty();
                }
            }
        }
        assertThat(created)
                .as("seed %d: pods created: got %d, want some", seed, created)
                .isPositive();
        assertThat(started)
                .as("seed %d: pods started: got %d, want some", seed, started)
                .isPositive();
        if (settings.ordered()) {
            assertThat(heldBack[0])
                    .as("seed %d: creations held back for a predecessor: got %d, want some", seed, heldBack[0])
                    .isPositive();
        }
    }

    private static List<Pod> pods(Map<String, SimPod> cluster) {
        return cluster.values().stream().map(p -> p.pod).toList();
    }

    private static SetSnapshot snapshot(Map<String, SimPod> cluster) {
        return SetSnapshot.of(
                "default",
                "web",
                cluster.values().stream().map(p -> Member.of(p.pod, "web")).toList());
    }

    /** Brute force: every ordinal in {@code [start, n)} has a live Running and Ready pod right now. */
    private static boolean predecessorsReady(SetSettings s, Map<String, SimPod> cluster, int n) {
        for (int k = s.startOrdinal(); k < n; k++) {
            SimPod p = cluster.get(PodNames.podName("web", k));
            if (p == null || p.terminating() || !p.ready()) {
                return false;
            }
        }
        return true;
    }

    /** One CREATE through both webhooks, as PodMutator and PodValidator chain the rules. */
    private static boolean create(
            SetSettings s,
            String[] annotations,
            Map<String, SimPod> cluster,
            Set<String> claims,
            int[] heldBack,
            String where) {
        PodFixtures fixture = PodFixtures.unnamed("web").ephemeralVolume("data");
        for (int i = 0; i < annotations.length; i += 2) {
            fixture.annotation(annotations[i], annotations[i + 1]);
        }
        Pod input = fixture.noStatus().build();
        CreateRules.Prepared.Member member = (CreateRules.Prepared.Member) CreateRules.prepare(input);
        SetSnapshot snapshot = snapshot(cluster);
        Ordinals.Assignment assignment = Ordinals.assign(snapshot, s.startOrdinal(), Set.of());
        if (!(assignment instanceof Ordinals.Assignment.Assigned assigned)) {
            assertThat(assignment)
                    .as("%s: assign got %s, want Assigned or HeldByTerminating", where, assignment)
                    .isInstanceOf(Ordinals.Assignment.HeldByTerminating.class);
            return false;
        }
        int n = assigned.ordinal();
        if (CreateRules.waitingForPredecessor(member.settings(), snapshot, n).isPresent()) {
            assertThat(predecessorsReady(s, cluster, n))
                    .as("%s: deny mode refused web-%d though all predecessors" + " are ready", where, n)
                    .isFalse();
            heldBack[0]++;
            return false;
        }
        Predicate<String> claimExists = claims::contains;
        Decision mutated = PodIdentity.mutate(input, member, n, snapshot, claimExists);
        assertThat(mutated)
                .as("%s: mutate web-%d got %s, want Allow", where, n, mutated)
                .isInstanceOf(Decision.Allow.class);
        Pod pod = ((Decision.Allow) mutated).mutated();
        CreateRules.Prepared again = CreateRules.prepare(pod);
        assertThat(again)
                .as("%s: prepare(mutated web-%d) got %s, want Member", where, n, again)
                .isInstanceOf(CreateRules.Prepared.Member.class);
        Decision validated = CreateRules.validate(
                pod, (CreateRules.Prepared.Member) again, snapshot, new ServiceFacts(true, true, true));
        assertThat(validated)
                .as("%s: validate(mutated web-%d) got %s, want Allow", where, n, validated)
                .isInstanceOf(Decision.Allow.class);
        String name = pod.getMetadata().getName();
        assertThat(cluster)
                .as("%s: the API server would answer AlreadyExists for %s", where, name)
                .doesNotContainKey(name);
        pod.getMetadata().setUid("uid-" + where.replace(' ', '-')); // the API server gives each stored pod its own
        SimPod sim = new SimPod(pod, n);
        heldBack[0] += sim.hasGate(ORDERED_GATE) ? 1 : 0;
        cluster.put(name, sim);
        return true;
    }

    /** The kubelet starts one schedulable pod and it passes its readiness probe. */
    private static boolean kubeletStartsOne(Random random, Map<String, SimPod> cluster) {
        List<SimPod> schedulable = cluster.values().stream()
                .filter(p -> !p.terminating() && !p.ready() && p.gates().isEmpty())
                .toList();
        if (schedulable.isEmpty()) {
            return false;
        }
        SimPod p = schedulable.get(random.nextInt(schedulable.size()));
        p.pod.setStatus(PodFixtures.pod("web", p.ordinal).ready().build().getStatus());
        return true;
    }

    /** The controller either creates a missing claim or, one pod per step, lifts an ordered gate. */
    private static void controllerActsOnce(
            Random random, SetSettings s, Map<String, SimPod> cluster, Set<String> claims) {
        List<SimPod> gated = cluster.values().stream()
                .filter(p -> !p.terminating() && !p.gates().isEmpty())
                .toList();
        if (gated.isEmpty()) {
            return;
        }
        SimPod p = gated.get(random.nextInt(gated.size()));
        if (p.hasGate(CLAIMS_GATE)) {
            claims.add(PodNames.claimName("data", "web", p.ordinal));
            removeGate(p, CLAIMS_GATE);
        } else if (p.hasGate(ORDERED_GATE)
                && snapshot(cluster)
                        .firstNotReadyBelow(s.startOrdinal(), p.ordinal)
                        .isEmpty()) {
            removeGate(p, ORDERED_GATE);
        }
    }

    private static void removeGate(SimPod p, String gate) {
        p.pod.getSpec().getSchedulingGates().removeIf(g -> gate.equals(g.getName()));
    }

    private static void deleteOne(Random random, Map<String, SimPod> cluster) {
        List<SimPod> live =
                cluster.values().stream().filter(p -> !p.terminating()).toList();
        if (!live.isEmpty()) {
            SimPod p = live.get(random.nextInt(live.size()));
            p.pod.getMetadata().setDeletionTimestamp(PodFixtures.NOW.toString());
        }
    }

    private static void probeFailsOnOne(Random random, Map<String, SimPod> cluster) {
        List<SimPod> ready = cluster.values().stream()
                .filter(p -> !p.terminating() && p.ready())
                .toList();
        if (!ready.isEmpty()) {
            SimPod p = ready.get(random.nextInt(ready.size()));
            p.pod.setStatus(PodFixtures.pod("web", p.ordinal).notReady().build().getStatus());
        }
    }

    private static void goneOne(Random random, Map<String, SimPod> cluster) {
        List<SimPod> terminating =
                cluster.values().stream().filter(SimPod::terminating).toList();
        if (!terminating.isEmpty()) {
            cluster.remove(terminating
                    .get(random.nextInt(terminating.size()))
                    .pod
                    .getMetadata()
                    .getName());
        }
    }

    private static void checkInvariants(SetSettings s, Map<String, SimPod> cluster, Set<String> claims, String where) {
        Set<Integer> ordinals = new HashSet<>();
        for (SimPod p : cluster.values()) {
            String name = p.pod.getMetadata().getName();
            assertThat(ordinals.add(p.ordinal))
                    .as("%s: two pods hold ordinal %d", where, p.ordinal)
                    .isTrue();
            assertThat(PodNames.ordinalOf("web", name))
                    .as("%s: %s is not web-%d", where, name, p.ordinal)
                    .isEqualTo(p.ordinal);
            assertThat(p.ordinal)
                    .as("%s: %s is below start %d", where, name, s.startOrdinal())
                    .isGreaterThanOrEqualTo(s.startOrdinal());
            if (!p.hasGate(CLAIMS_GATE)) {
                assertThat(claims)
                        .as("%s: %s may start but its claim is missing", where, name)
                        .contains(PodNames.claimName("data", "web", p.ordinal));
            }
            if (!s.gated()) {
                assertThat(p.hasGate(ORDERED_GATE))
                        .as("%s: %s has the ordered gate under %s/%s", where, name, s.policy(), s.ordering())
                        .isFalse();
            }
        }
    }
}
