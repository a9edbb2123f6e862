package dev.ordinal.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** SetSnapshot queries checked against brute-force oracles over seeded random histories, huge ordinals included. */
class SetSnapshotTest {

    private static final int MAX = Integer.MAX_VALUE;
    private static final int HUGE = 2_000_000_000;
    /** Starts checked after every step: the two common ones and two where runs reach the end of the int range. */
    private static final int[] STARTS = {0, 5, HUGE, MAX - 2};

    /** What the model knows about the pod holding an ordinal. */
    enum State {
        PENDING,
        READY,
        TERMINATING;

        boolean live() {
            return this != TERMINATING;
        }
    }

    static Stream<Arguments> seeds() {
        return Stream.of(
                argumentSet("seed 1", 1L),
                argumentSet("seed 42", 42L),
                argumentSet("seed 2024", 2024L),
                argumentSet("seed 7777", 7777L),
                argumentSet("seed -3", -3L));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("seeds")
    void agreesWithBruteForceOraclesAfterEveryStep(long seed) {
        Random random = new Random(seed);
        TreeMap<Integer, State> model = new TreeMap<>();
        int unnamed = 0;
        Set<Class<?>> outcomes = new HashSet<>();
        for (int step = 0; step < 400; step++) {
            int action = random.nextInt(10);
            if (action < 5 || model.isEmpty()) {
                model.put(randomOrdinal(random), State.values()[random.nextInt(3)]);
            } else if (action < 7) {
                model.replace(randomKey(random, model), State.values()[random.nextInt(3)]);
            } else if (action < 9) {
                model.remove(randomKey(random, model));
            } else if (random.nextBoolean()) {
                unnamed++;
            } else {
                // Everything gone at once, as after a namespace wipe; histories restart from empty.
                model.clear();
                unnamed = 0;
            }
            Set<Integer> reserved = new HashSet<>();
            for (int i = random.nextInt(4); i > 0; i--) {
                reserved.add(randomOrdinal(random));
            }
            String where = "seed " + seed + " step " + step + " members " + model + " reserved " + reserved;
            SetSnapshot snap = snapshot(model, unnamed);
            checkAgainstOracles(snap, model, reserved, unnamed, where);
            for (int start : STARTS) {
                outcomes.add(Ordinals.assign(snap, start, reserved).getClass());
            }
        }
        // The history must have reached every outcome, or the oracles above proved less than they seem to.
        assertThat(outcomes)
                .as("seed %d: assignment outcomes seen: got %s, want all three", seed, outcomes)
                .containsExactlyInAnyOrder(
                        Ordinals.Assignment.Assigned.class,
                        Ordinals.Assignment.HeldByTerminating.class,
                        Ordinals.Assignment.Exhausted.class);
    }

    /** Ordinals from the regions that matter: small, around start 5, around 2e9 and at the end of the int range. */
    private static int randomOrdinal(Random random) {
        return switch (random.nextInt(6)) {
            case 0, 1, 2 -> random.nextInt(15);
            case 3 -> HUGE - 2 + random.nextInt(5);
            default -> MAX - random.nextInt(4);
        };
    }

    private static int randomKey(Random random, TreeMap<Integer, State> model) {
        List<Integer> keys = new ArrayList<>(model.keySet());
        return keys.get(random.nextInt(keys.size()));
    }

    private static SetSnapshot snapshot(Map<Integer, State> model, int unnamed) {
        List<Member> members = new ArrayList<>();
        model.forEach((n, s) -> members.add(
                switch (s) {
                    case PENDING -> Members.pending(n);
                    case READY -> Members.ready(n);
                    case TERMINATING -> Members.terminating(n);
                }));
        for (int i = 0; i < unnamed; i++) {
            members.add(Members.unnamed("web-7d9f" + i));
        }
        return SetSnapshot.of("default", "web", members);
    }

    private static void checkAgainstOracles(
            SetSnapshot snap, TreeMap<Integer, State> model, Set<Integer> reserved, int unnamed, String where) {
        Set<Integer> live = new TreeSet<>();
        model.forEach((n, s) -> {
            if (s.live()) {
                live.add(n);
            }
        });
        assertThat(snap.liveCount())
                .as("%s: liveCount got %d, want %d", where, snap.liveCount(), live.size())
                .isEqualTo(live.size());
        int highest = live.isEmpty() ? -1 : ((TreeSet<Integer>) live).last();
        assertThat(snap.highestLive())
                .as("%s: highestLive got %d, want %d", where, snap.highestLive(), highest)
                .isEqualTo(highest);
        assertThat(snap.unnamedMembers())
                .as("%s: unnamedMembers got %d, want %d", where, snap.unnamedMembers(), unnamed)
                .isEqualTo(unnamed);
        assertThat(snap.members().keySet())
                .as("%s: members got %s, want %s", where, snap.members().keySet(), model.keySet())
                .isEqualTo(model.keySet());
        for (Map.Entry<Integer, State> e : model.entrySet()) {
            int n = e.getKey();
            assertThat(snap.isLive(n))
                    .as(
                            "%s: isLive(%d) got %s, want %s",
                            where, n, snap.isLive(n), e.getValue().live())
                    .isEqualTo(e.getValue().live());
            assertThat(snap.isTerminating(n))
                    .as(
                            "%s: isTerminating(%d) got %s, want %s",
                            where, n, snap.isTerminating(n), !e.getValue().live())
                    .isEqualTo(!e.getValue().live());
            assertThat(snap.holder(n).map(Member::name))
                    .as("%s: holder(%d) got %s, want web-%d", where, n, snap.holder(n), n)
                    .contains("web-" + n);
        }

        Set<Integer> queries = new TreeSet<>(model.keySet());
        queries.addAll(List.of(0, 1, 3, 5, 6, 14, 15, 16, HUGE - 3, HUGE, HUGE + 3, MAX - 4, MAX - 1, MAX));
        queries.addAll(reserved);
        for (int start : STARTS) {
            int wantFree = lowestFreeOracle(model, start, reserved);
            int gotFree = snap.lowestFree(start, reserved);
            assertThat(gotFree)
                    .as("%s: lowestFree(%d, reserved) got %d, want %d", where, start, gotFree, wantFree)
                    .isEqualTo(wantFree);
            int wantGap = lowestFreeOracle(model, start, Set.of());
            int gotGap = snap.firstGapFrom(start);
            assertThat(gotGap)
                    .as("%s: firstGapFrom(%d) got %d, want %d", where, start, gotGap, wantGap)
                    .isEqualTo(wantGap);
            Ordinals.Assignment gotAssign = Ordinals.assign(snap, start, reserved);
            Ordinals.Assignment wantAssign = assignOracle(model, wantFree, snap);
            assertThat(gotAssign)
                    .as("%s: assign(%d) got %s, want %s", where, start, gotAssign, wantAssign)
                    .isEqualTo(wantAssign);
            if (gotAssign instanceof Ordinals.Assignment.Assigned assigned) {
                assertThat(snap.isLive(assigned.ordinal()))
                        .as("%s: assigned %d is held by a live pod", where, assigned.ordinal())
                        .isFalse();
                assertThat(reserved)
                        .as("%s: assigned %d is reserved", where, assigned.ordinal())
                        .doesNotContain(assigned.ordinal());
            }
            for (int n : queries) {
                OptionalInt wantWait = firstNotReadyOracle(model, start, n);
                OptionalInt gotWait = snap.firstNotReadyBelow(start, n);
                assertThat(gotWait)
                        .as("%s: firstNotReadyBelow(%d, %d) got %s, want %s", where, start, n, gotWait, wantWait)
                        .isEqualTo(wantWait);
                long wantGaps = gapCountOracle(live, start, n);
                long gotGaps = snap.gapCountBelow(start, n);
                assertThat(gotGaps)
                        .as("%s: gapCountBelow(%d, %d) got %d, want %d", where, start, n, gotGaps, wantGaps)
                        .isEqualTo(wantGaps);
            }
        }
    }

    /** Walks up from {@code start} one ordinal at a time; -1 past the int range. */
    private static int lowestFreeOracle(Map<Integer, State> model, int start, Set<Integer> reserved) {
        for (long n = start; n <= MAX; n++) {
            State s = model.get((int) n);
            boolean live = s != null && s.live();
            if (!live && !reserved.contains((int) n)) {
                return (int) n;
            }
        }
        return -1;
    }

    private static Ordinals.Assignment assignOracle(Map<Integer, State> model, int free, SetSnapshot snap) {
        if (free < 0) {
            return new Ordinals.Assignment.Exhausted();
        }
        if (model.get(free) == State.TERMINATING) {
            return new Ordinals.Assignment.HeldByTerminating(
                    free, snap.holder(free).orElseThrow());
        }
        return new Ordinals.Assignment.Assigned(free);
    }

    /** The first ordinal in {@code [start, n)} not held by a live Ready pod, walking one at a time. */
    private static OptionalInt firstNotReadyOracle(Map<Integer, State> model, int start, int n) {
        for (long k = start; k < n; k++) {
            if (model.get((int) k) != State.READY) {
                return OptionalInt.of((int) k);
            }
        }
        return OptionalInt.empty();
    }

    /** Counts ordinal by ordinal when the range is small; otherwise range length minus the live ordinals in it. */
    private static long gapCountOracle(Set<Integer> live, int start, int n) {
        if (n <= start) {
            return 0;
        }
        if ((long) n - start <= 64) {
            long gaps = 0;
            for (long k = start; k < n; k++) {
                if (!live.contains((int) k)) {
                    gaps++;
                }
            }
            return gaps;
        }
        return (long) n - start - live.stream().filter(k -> k >= start && k < n).count();
    }

    @Test
    void aHugeOrdinalCostsNoHugeMemory() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeThat(mx instanceof com.sun.management.ThreadMXBean bean
                        && bean.isThreadAllocatedMemorySupported()
                        && bean.isThreadAllocatedMemoryEnabled())
                .as("per-thread allocation counting")
                .isTrue();
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) mx;
        List<Member> members = List.of(Members.ready(0), Members.ready(HUGE), Members.pending(MAX - 1));
        SetSnapshot.of("default", "web", members); // warm up class loading outside the measurement

        long before = bean.getCurrentThreadAllocatedBytes();
        SetSnapshot snap = SetSnapshot.of("default", "web", members);
        int free = snap.lowestFree(MAX - 1, Set.of(MAX));
        long allocated = bean.getCurrentThreadAllocatedBytes() - before;

        // A BitSet indexed by ordinal would need 256 MiB here.
        assertThat(allocated)
                .as("bytes allocated for a snapshot holding ordinal %d: got %d, want under 64 KiB", MAX - 1, allocated)
                .isLessThan(64 * 1024);
        assertThat(free).as("lowestFree(MAX-1, {MAX}): got %d, want -1", free).isEqualTo(-1);
    }

    static Stream<Arguments> endOfRange() {
        return Stream.of(
                argumentSet("MAX-1 live, MAX free", List.of(Members.ready(MAX - 1)), MAX - 1, Set.of(), MAX),
                argumentSet("MAX-1 live, MAX reserved", List.of(Members.ready(MAX - 1)), MAX - 1, Set.of(MAX), -1),
                argumentSet(
                        "MAX-1 and MAX live",
                        List.of(Members.ready(MAX - 1), Members.pending(MAX)),
                        MAX - 1,
                        Set.of(),
                        -1),
                argumentSet("MAX live, start MAX", List.of(Members.pending(MAX)), MAX, Set.of(), -1),
                argumentSet("empty, start MAX", List.of(), MAX, Set.of(), MAX),
                argumentSet("empty, start MAX reserved", List.of(), MAX, Set.of(MAX), -1),
                argumentSet("MAX terminating, start MAX", List.of(Members.terminating(MAX)), MAX, Set.of(), MAX),
                argumentSet(
                        "huge run, then free",
                        List.of(Members.ready(HUGE), Members.ready(HUGE + 1)),
                        HUGE,
                        Set.of(HUGE + 2),
                        HUGE + 3));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("endOfRange")
    void lowestFreeNeverOverflowsTheIntRange(List<Member> members, int start, Set<Integer> reserved, int want) {
        SetSnapshot snap = SetSnapshot.of("default", "web", members);
        int got = snap.lowestFree(start, reserved);
        assertThat(got)
                .as("lowestFree(%d, %s): got %d, want %d", start, reserved, got, want)
                .isEqualTo(want);
        Ordinals.Assignment assignment = Ordinals.assign(snap, start, reserved);
        boolean exhausted = assignment instanceof Ordinals.Assignment.Exhausted;
        assertThat(exhausted)
                .as("assign: got %s, want Exhausted exactly when lowestFree is -1 (%d)", assignment, want)
                .isEqualTo(want < 0);
    }

    @Test
    void countsGapsUpToTheEndOfTheIntRangeWithoutOverflow() {
        SetSnapshot snap = SetSnapshot.of("default", "web", List.of(Members.ready(0), Members.ready(HUGE)));
        long got = snap.gapCountBelow(0, MAX);
        long want = (long) MAX - 2;
        assertThat(got).as("gapCountBelow(0, MAX): got %d, want %d", got, want).isEqualTo(want);
        OptionalInt wait = snap.firstNotReadyBelow(0, MAX);
        assertThat(wait).as("firstNotReadyBelow(0, MAX): got %s, want 1", wait).hasValue(1);
    }

    static Stream<Arguments> agreement() {
        SetSettings web = Members.WEB;
        SetSettings parallel = Settings.of("web", OrdinalKeys.POLICY_ANNOTATION, "Parallel");
        Member invalid = new Member("web-4", "uid-4", 4, false, "Running", true, null, null, List.of(), null);
        return Stream.of(
                argumentSet("no members", List.of(), web, null),
                argumentSet("all agree", List.of(Members.ready(0), Members.pending(1)), web, null),
                argumentSet(
                        "live member disagrees",
                        List.of(Members.ready(0), Members.withSettings(1, parallel)),
                        web,
                        "web-1"),
                argumentSet("I am the odd one out", List.of(Members.ready(0)), parallel, "web-0"),
                argumentSet(
                        "terminating member disagrees",
                        List.of(
                                Members.ready(0),
                                new Member(
                                        "web-1", "uid-1", 1, true, "Running", false, null, parallel, List.of(), null)),
                        web,
                        null),
                // A member with unparseable annotations has no settings to disagree with.
                argumentSet("member without settings", List.of(Members.ready(0), invalid), web, null),
                argumentSet(
                        "unnamed member disagrees",
                        List.of(new Member(
                                "web-abc", "uid-x", -1, false, "Running", true, null, parallel, List.of(), null)),
                        web,
                        null));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("agreement")
    void findsALiveMemberWithOtherSettings(List<Member> members, SetSettings mine, String want) {
        SetSnapshot snap = SetSnapshot.of("default", "web", members);
        String got = snap.disagreeingWith(mine).map(Member::name).orElse(null);
        assertThat(got).as("disagreeingWith: got %s, want %s", got, want).isEqualTo(want);
    }

    @Test
    void anEmptySnapshotHasNothing() {
        SetSnapshot snap = SetSnapshot.empty("ns", "web");
        assertThat(snap.namespace())
                .as("namespace: got %s, want ns", snap.namespace())
                .isEqualTo("ns");
        assertThat(snap.set()).as("set: got %s, want web", snap.set()).isEqualTo("web");
        assertThat(snap.liveCount())
                .as("liveCount: got %d, want 0", snap.liveCount())
                .isZero();
        assertThat(snap.highestLive())
                .as("highestLive: got %d, want -1", snap.highestLive())
                .isEqualTo(-1);
        int free = snap.lowestFree(5, Set.of());
        assertThat(free).as("lowestFree(5): got %d, want 5", free).isEqualTo(5);
        OptionalInt none = snap.firstNotReadyBelow(5, 5);
        assertThat(none)
                .as("firstNotReadyBelow(5, 5): got %s, want empty", none)
                .isEmpty();
        OptionalInt five = snap.firstNotReadyBelow(5, 7);
        assertThat(five).as("firstNotReadyBelow(5, 7): got %s, want 5", five).hasValue(5);
        long gaps = snap.gapCountBelow(5, 3);
        assertThat(gaps).as("gapCountBelow(5, 3): got %d, want 0", gaps).isZero();
    }

    @Test
    void membersCannotBeChangedThroughTheSnapshot() {
        SetSnapshot snap = SetSnapshot.of("default", "web", List.of(Members.ready(0)));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> snap.members().put(1, Members.ready(1)))
                .as("members(): got a mutable map, want unmodifiable")
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
