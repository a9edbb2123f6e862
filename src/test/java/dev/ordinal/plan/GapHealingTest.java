package dev.ordinal.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.identity.Member;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.identity.SetSettings;
import dev.ordinal.identity.SetSnapshot;
import dev.ordinal.identity.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which gated member is recycled, or warned about, above an ordinal admitted but never stored (SPEC §7.1). */
class GapHealingTest {

    static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    static final Duration TTL = Duration.ofSeconds(15);
    /** Free for longer than TTL + margin: lost. */
    static final Instant LONG_AGO = NOW.minus(TTL).minus(GapHealing.MARGIN).minusSeconds(1);
    /** Free for exactly TTL + margin: not yet lost ("longer than"). */
    static final Instant BOUNDARY = NOW.minus(TTL).minus(GapHealing.MARGIN);

    /** A pod of set "web": ready, or gated (never started) with or without a controller owner. */
    record P(int n, boolean gated, boolean owned, boolean terminating, SetSettings settings) {
        static P ready(int n) {
            return new P(n, false, true, false, Settings.of("web"));
        }

        static P gated(int n) {
            return new P(n, true, true, false, Settings.of("web"));
        }

        static P bare(int n) {
            return new P(n, true, false, false, Settings.of("web"));
        }

        P deleting() {
            return new P(n, gated, owned, true, settings);
        }

        P with(SetSettings s) {
            return new P(n, gated, owned, terminating, s);
        }

        Member member() {
            return new Member(
                    "web-" + n,
                    "uid-" + n,
                    n,
                    terminating,
                    gated ? "Pending" : "Running",
                    !gated && !terminating,
                    null,
                    settings,
                    gated ? List.of(OrdinalKeys.ORDERED_GATE) : List.of(),
                    owned ? "ReplicaSet/web-7d9c" : null);
        }
    }

    static SetSnapshot snapshot(List<P> pods) {
        return SetSnapshot.of("ns", "web", pods.stream().map(P::member).toList());
    }

    static SetSettings parallel() {
        return Settings.of("web", OrdinalKeys.POLICY_ANNOTATION, "Parallel");
    }

    static SetSettings start(int start) {
        return Settings.of("web", OrdinalKeys.START_ORDINAL_ANNOTATION, Integer.toString(start));
    }

    /** A case without reserved ordinals: {@code want} lists the actions, "recycle web-n for g" or "warn …". */
    static Arguments gaps(String name, List<P> pods, Map<Integer, Instant> freeSince, String... want) {
        return Arguments.of(name, pods, Set.of(), freeSince, List.of(want));
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                gaps(
                        "a lost ordinal below an owned gated pod recycles it",
                        List.of(P.ready(0), P.gated(2)),
                        Map.of(1, LONG_AGO),
                        "recycle web-2 for 1"),
                gaps(
                        "a gap seen free for the first time is only remembered",
                        List.of(P.ready(0), P.gated(2)),
                        Map.of()),
                gaps(
                        "exactly ttl plus margin is not yet longer than it",
                        List.of(P.ready(0), P.gated(2)),
                        Map.of(1, BOUNDARY)),
                Arguments.of(
                        "a reserved ordinal is not free, however long it was",
                        List.of(P.ready(0), P.gated(2)),
                        Set.of(1),
                        Map.of(1, LONG_AGO),
                        List.of()),
                gaps(
                        "an ordinal held by a terminating pod is not free",
                        List.of(P.ready(0), P.ready(1).deleting(), P.gated(2)),
                        Map.of(1, LONG_AGO)),
                gaps(
                        "a pod without a controller owner is warned about, never recycled",
                        List.of(P.ready(0), P.bare(2)),
                        Map.of(1, LONG_AGO),
                        "warn web-2 for 1"),
                gaps(
                        "the highest gated pod fills the lowest gap, one pod per gap",
                        List.of(P.ready(0), P.gated(2), P.gated(3)),
                        Map.of(1, LONG_AGO),
                        "recycle web-3 for 1"),
                gaps(
                        "two lost gaps recycle the two highest gated pods",
                        List.of(P.ready(0), P.gated(3), P.gated(4)),
                        Map.of(1, LONG_AGO, 2, LONG_AGO),
                        "recycle web-4 for 1",
                        "recycle web-3 for 2"),
                gaps(
                        "a gated pod below every gap is not recycled",
                        List.of(P.ready(0), P.gated(1), P.gated(3)),
                        Map.of(2, LONG_AGO),
                        "recycle web-3 for 2"),
                gaps(
                        "an owner-less pod does not use up a gap an owned one fills",
                        List.of(P.ready(0), P.gated(2), P.bare(3)),
                        Map.of(1, LONG_AGO),
                        "warn web-3 for 1",
                        "recycle web-2 for 1"),
                gaps(
                        "a terminating gated pod is not stuck",
                        List.of(P.ready(0), P.gated(2).deleting()),
                        Map.of(1, LONG_AGO)),
                gaps("a set without gaps does nothing", List.of(P.ready(0), P.ready(1), P.gated(2)), Map.of()),
                gaps(
                        "Parallel sets never wait, so never heal",
                        List.of(P.ready(0).with(parallel()), P.gated(2).with(parallel())),
                        Map.of(1, LONG_AGO)),
                gaps(
                        "ordinals below the start ordinal are not gaps",
                        List.of(P.ready(3).with(start(3)), P.gated(4).with(start(3))),
                        Map.of(0, LONG_AGO, 1, LONG_AGO)),
                gaps(
                        "the start ordinal itself can be lost",
                        List.of(P.gated(4).with(start(3))),
                        Map.of(3, LONG_AGO),
                        "recycle web-4 for 3"),
                gaps(
                        "a pod with invalid settings is not stuck",
                        List.of(P.ready(0), P.gated(2).with(null)),
                        Map.of(1, LONG_AGO)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void picksWhatToRecycleOrWarnAbout(
            String name, List<P> pods, Set<Integer> reserved, Map<Integer, Instant> freeSince, List<String> want) {
        GapHealing.Plan plan = GapHealing.plan(snapshot(pods), reserved, freeSince, TTL, NOW);
        List<String> got = new ArrayList<>();
        for (GapHealing.Action a : plan.actions()) {
            got.add((a instanceof GapHealing.Recycle ? "recycle " : "warn ") + a.pod() + " for " + a.gap());
        }
        assertThat(got).as("got %s, want %s", got, want).containsExactlyElementsOf(want);
    }

    @Test
    void remembersWhenEachGapWasFirstSeenFreeAndForgetsFilledOnes() {
        List<P> pods = List.of(P.ready(0), P.gated(3), P.gated(4));
        Instant earlier = NOW.minusSeconds(4);
        GapHealing.Plan plan = GapHealing.plan(snapshot(pods), Set.of(), Map.of(1, earlier, 7, earlier), TTL, NOW);
        assertThat(new TreeMap<>(plan.freeSince()))
                .as("gap 1 keeps its time, gap 2 is new, 7 is no gap")
                .isEqualTo(new TreeMap<>(Map.of(1, earlier, 2, NOW)));
        assertThat(plan.actions()).isEmpty();
        assertThat(plan.requeueAfter())
                .as("looked at again when gap 1 becomes lost")
                .contains(TTL.plus(GapHealing.MARGIN).minusSeconds(4).plusMillis(1));
    }

    @Test
    void theRecycleNamesTheOwnerTheGapAndHowLongItWasFree() {
        GapHealing.Plan plan =
                GapHealing.plan(snapshot(List.of(P.ready(0), P.gated(2))), Set.of(), Map.of(1, LONG_AGO), TTL, NOW);
        assertThat(plan.actions())
                .singleElement()
                .isEqualTo(new GapHealing.Recycle(
                        "web-2", "uid-2", 2, "ReplicaSet/web-7d9c", 1, Duration.between(LONG_AGO, NOW)));
        assertThat(plan.requeueAfter()).isEmpty();
    }

    @Test
    void aLoneHighOrdinalCostsNoMoreThanItsStuckMembers() {
        // Odd on purpose: one gated pod named web-1000000000 above a billion free ordinals.
        GapHealing.Plan plan =
                GapHealing.plan(snapshot(List.of(P.gated(1_000_000_000))), Set.of(), Map.of(0, LONG_AGO), TTL, NOW);
        assertThat(plan.freeSince()).as("one stuck member: one gap considered").containsOnlyKeys(0);
        assertThat(plan.actions())
                .singleElement()
                .satisfies(a -> assertThat(a.gap()).isZero());
    }
}
