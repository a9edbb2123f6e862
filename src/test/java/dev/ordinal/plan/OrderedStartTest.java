package dev.ordinal.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.identity.ClaimRetention;
import dev.ordinal.identity.Member;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.identity.ReservedOrdinals;
import dev.ordinal.identity.SetSettings;
import dev.ordinal.identity.SetSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which gated pod of a set is released next (SPEC §4 ordered start), as a table and as step invariants. */
class OrderedStartTest {

    static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    /** A pod of the fixture set "web", built up by the table rows. */
    record P(int n, boolean gated, boolean terminating, String phase, boolean ready, Instant readySince) {
        static P gated(int n) {
            return new P(n, true, false, "Pending", false, null);
        }

        static P ready(int n) {
            return new P(n, false, false, "Running", true, NOW.minusSeconds(600));
        }

        static P readyFor(int n, long seconds) {
            return new P(n, false, false, "Running", true, NOW.minusSeconds(seconds));
        }

        static P notReady(int n) {
            return new P(n, false, false, "Running", false, null);
        }

        P deleting() {
            return new P(n, gated, true, phase, ready, readySince);
        }
    }

    static SetSettings settings(SetSettings.PodManagementPolicy policy, int start, int minReady) {
        return new SetSettings(
                "web",
                "web",
                policy,
                SetSettings.Ordering.gate,
                start,
                Collections.unmodifiableSortedSet(new TreeSet<>()),
                true,
                minReady,
                ReservedOrdinals.NONE,
                ClaimRetention.RETAIN);
    }

    static SetSettings ordered() {
        return settings(SetSettings.PodManagementPolicy.OrderedReady, 0, 0);
    }

    static SetSnapshot snapshot(SetSettings s, List<P> pods) {
        List<Member> members = new ArrayList<>();
        for (P p : pods) {
            boolean ready = p.ready() && !p.terminating();
            members.add(new Member(
                    "web-" + p.n(),
                    "uid-" + p.n(),
                    p.n(),
                    p.terminating(),
                    p.phase(),
                    ready,
                    ready ? p.readySince() : null,
                    s,
                    p.gated() ? List.of(OrdinalKeys.ORDERED_GATE) : List.of(),
                    null));
        }
        return SetSnapshot.of("ns", "web", members);
    }

    static Stream<Arguments> cases() {
        SetSettings o = ordered();
        SetSettings parallel = settings(SetSettings.PodManagementPolicy.Parallel, 0, 0);
        SetSettings minReady10 = settings(SetSettings.PodManagementPolicy.OrderedReady, 0, 10);
        SetSettings start3 = settings(SetSettings.PodManagementPolicy.OrderedReady, 3, 0);
        return Stream.of(
                Arguments.of(
                        "the first ordinal has no predecessor and is released",
                        o,
                        List.of(P.gated(0)),
                        List.of("release web-0"),
                        null),
                Arguments.of(
                        "the lowest gated pod is released once every lower one is ready",
                        o,
                        List.of(P.ready(0), P.ready(1), P.gated(2), P.gated(3)),
                        List.of("release web-2", "web-3 waits for web-2 NOT_READY"),
                        null),
                Arguments.of(
                        "only one pod is released per step even when the next has ready predecessors too",
                        o,
                        List.of(P.ready(0), P.gated(1), P.gated(2)),
                        List.of("release web-1", "web-2 waits for web-1 NOT_READY"),
                        null),
                Arguments.of(
                        "a predecessor that is not ready blocks",
                        o,
                        List.of(P.ready(0), P.notReady(1), P.gated(2)),
                        List.of("web-2 waits for web-1 NOT_READY"),
                        null),
                Arguments.of(
                        "a missing (deleted) predecessor is waited for",
                        o,
                        List.of(P.ready(0), P.gated(2)),
                        List.of("web-2 waits for web-1 MISSING"),
                        null),
                Arguments.of(
                        "a terminating predecessor is waited for even while still ready",
                        o,
                        List.of(P.ready(0), P.ready(1).deleting(), P.gated(2)),
                        List.of("web-2 waits for web-1 TERMINATING"),
                        null),
                Arguments.of(
                        "a terminating gated pod is not released and blocks the next",
                        o,
                        List.of(P.ready(0), P.gated(1).deleting(), P.gated(2)),
                        List.of("web-2 waits for web-1 TERMINATING"),
                        null),
                Arguments.of(
                        "min-ready-seconds holds the release and re-queues for the time left",
                        minReady10,
                        List.of(P.readyFor(0, 4), P.gated(1)),
                        List.of("web-1 waits for web-0 MIN_READY"),
                        Duration.ofSeconds(6)),
                Arguments.of(
                        "min-ready-seconds elapsed releases",
                        minReady10,
                        List.of(P.readyFor(0, 11), P.gated(1)),
                        List.of("release web-1"),
                        null),
                // Kubernetes' IsPodAvailable: exactly minReadySeconds is not yet available.
                Arguments.of(
                        "min-ready-seconds boundary still holds",
                        minReady10,
                        List.of(P.readyFor(0, 10), P.gated(1)),
                        List.of("web-1 waits for web-0 MIN_READY"),
                        OrderedStart.MIN_REQUEUE),
                Arguments.of(
                        "the lowest not-yet-available ordinal is named, not a later one",
                        minReady10,
                        List.of(P.readyFor(0, 9), P.notReady(1), P.gated(2)),
                        List.of("web-2 waits for web-0 MIN_READY"),
                        Duration.ofSeconds(1)),
                Arguments.of(
                        "the start ordinal is the first ordinal",
                        start3,
                        List.of(P.gated(3)),
                        List.of("release web-3"),
                        null),
                Arguments.of(
                        "ordinals below the start ordinal are not awaited",
                        start3,
                        List.of(P.ready(3), P.gated(4)),
                        List.of("release web-4"),
                        null),
                Arguments.of(
                        "Parallel pods that carry the gate are all released",
                        parallel,
                        List.of(P.gated(0), P.gated(1), P.gated(2)),
                        List.of("release web-0", "release web-1", "release web-2"),
                        null),
                Arguments.of(
                        "pods without the gate are not planned",
                        o,
                        List.of(P.notReady(0), P.notReady(1)),
                        List.of(),
                        null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void plansReleasesAndWaits(String name, SetSettings s, List<P> pods, List<String> want, Duration requeue) {
        OrderedStart.Plan plan = OrderedStart.plan(snapshot(s, pods), NOW);
        List<String> got = describe(plan);
        assertThat(got).as("got %s, want %s", got, want).isEqualTo(want);
        assertThat(plan.requeueAfter()).as("requeue").isEqualTo(Optional.ofNullable(requeue));
    }

    static List<String> describe(OrderedStart.Plan plan) {
        List<String> out = new ArrayList<>();
        plan.releases().forEach(r -> out.add("release " + r.pod()));
        plan.waits().forEach(w -> out.add(w.pod() + " waits for " + w.awaitedPod() + " " + w.blocker()));
        return out;
    }

    /**
     * Five gated pods, one readiness step at a time: after each plan the controller applies the releases, then
     * every ungated pod becomes Ready. OrderedReady must release exactly one pod per step, in ordinal order;
     * Parallel all at once.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(SetSettings.PodManagementPolicy.class)
    void releasesOnePodPerReadinessStepInOrdinalOrder(SetSettings.PodManagementPolicy policy) {
        SetSettings s = settings(policy, 0, 0);
        Map<Integer, P> pods = new TreeMap<>();
        for (int n = 0; n < 5; n++) {
            pods.put(n, P.gated(n));
        }
        List<List<String>> steps = new ArrayList<>();
        for (int step = 0; step < 10 && pods.values().stream().anyMatch(P::gated); step++) {
            OrderedStart.Plan plan = OrderedStart.plan(snapshot(s, List.copyOf(pods.values())), NOW);
            assertMonotonic(s, pods, plan);
            steps.add(plan.releases().stream().map(OrderedStart.Release::pod).toList());
            plan.releases().forEach(r -> pods.put(r.ordinal(), P.notReady(r.ordinal())));
            pods.replaceAll((n, p) -> p.gated() ? p : P.ready(n));
        }
        List<List<String>> want = policy == SetSettings.PodManagementPolicy.Parallel
                ? List.of(List.of("web-0", "web-1", "web-2", "web-3", "web-4"))
                : List.of(List.of("web-0"), List.of("web-1"), List.of("web-2"), List.of("web-3"), List.of("web-4"));
        assertThat(steps).as("got %s, want %s", steps, want).isEqualTo(want);
    }

    /**
     * Random runs: pods flap between ready and not ready, get deleted and re-created gated, and min-ready holds
     * come and go. After every step: at most one OrderedReady release, and no pod is released unless every lower
     * ordinal is available.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 1234})
    void neverReleasesPastAnUnavailablePredecessor(long seed) {
        Random random = new Random(seed);
        SetSettings s = settings(SetSettings.PodManagementPolicy.OrderedReady, 0, random.nextBoolean() ? 0 : 5);
        Map<Integer, P> pods = new TreeMap<>();
        for (int n = 0; n < 6; n++) {
            pods.put(n, P.gated(n));
        }
        for (int step = 0; step < 300; step++) {
            OrderedStart.Plan plan = OrderedStart.plan(snapshot(s, List.copyOf(pods.values())), NOW);
            assertMonotonic(s, pods, plan);
            plan.releases().forEach(r -> pods.put(r.ordinal(), P.notReady(r.ordinal())));
            int n = random.nextInt(6);
            P p = pods.get(n);
            switch (random.nextInt(4)) {
                case 0 -> pods.remove(n);
                case 1 -> pods.put(n, P.gated(n));
                case 2 -> {
                    if (p != null && !p.gated()) {
                        pods.put(n, P.readyFor(n, random.nextInt(10)));
                    }
                }
                default -> {
                    if (p != null && !p.gated()) {
                        pods.put(n, P.notReady(n));
                    }
                }
            }
        }
    }

    private static void assertMonotonic(SetSettings s, Map<Integer, P> pods, OrderedStart.Plan plan) {
        if (!s.ordered()) {
            return;
        }
        assertThat(plan.releases()).as("releases in one OrderedReady step").hasSizeLessThanOrEqualTo(1);
        for (OrderedStart.Release r : plan.releases()) {
            for (int k = s.startOrdinal(); k < r.ordinal(); k++) {
                P p = pods.get(k);
                boolean available = p != null
                        && p.ready()
                        && !p.terminating()
                        && !p.readySince().plusSeconds(s.minReadySeconds()).isAfter(NOW);
                assertThat(available)
                        .as("web-%d released while web-%d is %s", r.ordinal(), k, p)
                        .isTrue();
            }
        }
    }
}
