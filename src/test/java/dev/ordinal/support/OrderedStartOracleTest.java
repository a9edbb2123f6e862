package dev.ordinal.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.ordinal.identity.OrdinalKeys;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each violation the oracle must catch, and the histories it must let pass. */
class OrderedStartOracleTest {

    private static PodFixtures web(int n) {
        return PodFixtures.pod("web", n);
    }

    private static Pod gated(int n) {
        return web(n).gate(OrdinalKeys.ORDERED_GATE).build();
    }

    private static Pod pending(int n) {
        return web(n).build();
    }

    private static Pod starting(int n) {
        return web(n).notReady().build();
    }

    private static Pod ready(int n) {
        return web(n).ready().build();
    }

    @SafeVarargs
    private static List<List<Pod>> history(List<Pod>... observations) {
        return List.of(observations);
    }

    static Stream<Arguments> histories() {
        return Stream.of(
                argumentSet(
                        "one at a time, each released once its predecessor is Ready",
                        0,
                        Set.of(),
                        history(
                                List.of(pending(0), gated(1), gated(2)),
                                List.of(ready(0), gated(1), gated(2)),
                                List.of(ready(0), pending(1), gated(2)),
                                List.of(ready(0), ready(1), starting(2)),
                                List.of(ready(0), ready(1), ready(2))),
                        null),
                argumentSet(
                        "released while the predecessor is still Pending",
                        0,
                        Set.of(),
                        history(List.of(pending(0), gated(1)), List.of(pending(0), pending(1))),
                        "web-1 was released from ordinal.dev/ordered while web-0 is not Running and Ready"),
                argumentSet(
                        "created ungated while a lower ordinal is missing",
                        0,
                        Set.of(),
                        history(List.of(ready(0)), List.of(ready(0), pending(2))),
                        "web-2 was created without ordinal.dev/ordered while web-1 does not exist"),
                argumentSet(
                        "Ready before its predecessor",
                        0,
                        Set.of(),
                        history(List.of(starting(0), gated(1)), List.of(starting(0), ready(1))),
                        "web-1 became Ready while web-0 is not Running and Ready"),
                argumentSet(
                        "two starting at once",
                        0,
                        Set.of(),
                        history(List.of(ready(0), starting(1), starting(2))),
                        "set web has 2 pods starting at once under OrderedReady: [web-1, web-2]"),
                argumentSet(
                        "a terminating predecessor does not count",
                        0,
                        Set.of(),
                        history(
                                List.of(ready(0), gated(1)),
                                List.of(web(0).ready().terminating().build(), pending(1))),
                        "web-1 was released from ordinal.dev/ordered while web-0 does not exist"),
                argumentSet(
                        "a reserved ordinal is skipped",
                        0,
                        Set.of(1),
                        history(List.of(ready(0), gated(2)), List.of(ready(0), pending(2))),
                        null),
                argumentSet(
                        "but only the reserved one",
                        0,
                        Set.of(1),
                        history(List.of(ready(0), ready(2), gated(3)), List.of(ready(2), pending(3))),
                        "web-3 was released from ordinal.dev/ordered while web-0 does not exist"),
                argumentSet(
                        "ordinals below the start ordinal are not waited for",
                        3,
                        Set.of(),
                        history(List.of(pending(3), gated(4)), List.of(ready(3), pending(4))),
                        null),
                argumentSet(
                        "a pod that was Ready and lost readiness is not starting",
                        0,
                        Set.of(),
                        history(List.of(ready(0), ready(1), gated(2)), List.of(ready(0), starting(1), gated(2))),
                        null),
                argumentSet(
                        "an old release is not judged again when a predecessor later fails",
                        0,
                        Set.of(),
                        history(List.of(ready(0), ready(1)), List.of(starting(0), ready(1))),
                        null));
    }

    @ParameterizedTest
    @MethodSource("histories")
    void judgesTheLastObservation(int start, Set<Integer> reserved, List<List<Pod>> history, String want) {
        OrderedStartOracle oracle = new OrderedStartOracle("web", start, reserved);
        List<String> last = List.of();
        List<String> earlier = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            last = oracle.observePods(history.get(i));
            if (i < history.size() - 1) {
                earlier.addAll(last);
            }
        }
        assertThat(earlier).as("violations before the last observation").isEmpty();
        if (want == null) {
            assertThat(last).isEmpty();
        } else {
            assertThat(last).contains(want);
        }
    }

    @Test
    void theReleaseRuleAloneJudgesOnlyThePodThatChanged() {
        OrderedStartOracle oracle = OrderedStartOracle.forSet("web");
        List<Pod> now = List.of(starting(0), pending(1));
        var states = oracle.states(now);
        assertThat(oracle.judgeTransition(states, OrderedStartOracle.PodState.of("web", gated(1)), states.get(1)))
                .containsExactly("web-1 was released from ordinal.dev/ordered while web-0 is not Running and Ready");
        assertThat(oracle.judgeTransition(states, states.get(0), states.get(0))).isEmpty();
    }

    @Test
    void theStartingRuleAloneCountsPodsNeverReady() {
        OrderedStartOracle oracle = OrderedStartOracle.forSet("web");
        assertThat(oracle.judgeStarting(oracle.states(List.of(starting(0), starting(1)))))
                .containsExactly("set web has 2 pods starting at once under OrderedReady: [web-0, web-1]");
        OrderedStartOracle knowing = OrderedStartOracle.forSet("web").knownReady(List.of("uid-web-0"));
        assertThat(knowing.judgeStarting(knowing.states(List.of(starting(0), starting(1)))))
                .isEmpty();
    }

    @Test
    void podsOfOtherSetsAndOddNamesAreIgnored() {
        Pod other = PodFixtures.pod("db", 1).build();
        Pod odd = PodFixtures.pod("web", "web-01").build();
        assertThat(OrderedStartOracle.forSet("web").observePods(List.of(other, odd)))
                .isEmpty();
    }
}
