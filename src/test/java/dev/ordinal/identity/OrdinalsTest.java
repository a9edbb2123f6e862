package dev.ordinal.identity;

import static dev.ordinal.identity.Members.pending;
import static dev.ordinal.identity.Members.ready;
import static dev.ordinal.identity.Members.terminating;
import static dev.ordinal.identity.Members.unnamed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.ordinal.identity.Ordinals.Assignment.Assigned;
import dev.ordinal.identity.Ordinals.Assignment.Exhausted;
import dev.ordinal.identity.Ordinals.Assignment.HeldByTerminating;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Choosing the ordinal of a generateName pod: lowest free, reservations skipped, terminating holders waited for. */
class OrdinalsTest {

    static Stream<Arguments> cases() {
        Member t1 = terminating(1);
        return Stream.of(
                argumentSet("empty set", List.of(), 0, Set.of(), new Assigned(0)),
                argumentSet("empty set, start 5", List.of(), 5, Set.of(), new Assigned(5)),
                argumentSet("dense 0..2", List.of(ready(0), ready(1), ready(2)), 0, Set.of(), new Assigned(3)),
                argumentSet("gap at 1 is reused", List.of(ready(0), ready(2)), 0, Set.of(), new Assigned(1)),
                argumentSet(
                        "pending pods hold their ordinals",
                        List.of(pending(0), pending(1)),
                        0,
                        Set.of(),
                        new Assigned(2)),
                argumentSet("reserved ordinals are skipped", List.of(ready(0)), 0, Set.of(1, 2), new Assigned(3)),
                argumentSet(
                        "members below start do not matter", List.of(ready(0), ready(1)), 5, Set.of(), new Assigned(5)),
                argumentSet(
                        "lowest free held by a terminating pod",
                        List.of(ready(0), t1, ready(2)),
                        0,
                        Set.of(),
                        new HeldByTerminating(1, t1)),
                argumentSet(
                        "terminating pod above the lowest free",
                        List.of(ready(0), terminating(5)),
                        0,
                        Set.of(),
                        new Assigned(1)),
                argumentSet(
                        "unnamed members hold nothing", List.of(unnamed("web-x7k2p")), 0, Set.of(), new Assigned(0)),
                argumentSet(
                        "start at the int maximum, taken",
                        List.of(ready(Integer.MAX_VALUE)),
                        Integer.MAX_VALUE,
                        Set.of(),
                        new Exhausted()));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("cases")
    void assignsTheLowestFreeOrdinal(List<Member> members, int start, Set<Integer> reserved, Ordinals.Assignment want) {
        Ordinals.Assignment got = Ordinals.assign(SetSnapshot.of("default", "web", members), start, reserved);
        assertThat(got)
                .as("assign(start %d, reserved %s): got %s, want %s", start, reserved, got, want)
                .isEqualTo(want);
    }
}
