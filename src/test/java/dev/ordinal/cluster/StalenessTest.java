package dev.ordinal.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;

import dev.ordinal.identity.CacheHealth;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The staleness rule's value: when a bound is exceeded and how the staleness is described. */
class StalenessTest {

    static Stream<Arguments> bounds() {
        return Stream.of(
                Arguments.of(named("connected", Duration.ZERO), Duration.ofSeconds(60), false),
                Arguments.of(named("below the bound", Duration.ofSeconds(59)), Duration.ofSeconds(60), false),
                Arguments.of(named("exactly the bound", Duration.ofSeconds(60)), Duration.ofSeconds(60), false),
                Arguments.of(named("just past the bound", Duration.ofMillis(60_001)), Duration.ofSeconds(60), true),
                Arguments.of(named("a zero bound disables the rule", Duration.ofHours(1)), Duration.ZERO, false),
                Arguments.of(
                        named("a negative bound disables it too", Duration.ofHours(1)), Duration.ofSeconds(-1), false));
    }

    @ParameterizedTest
    @MethodSource("bounds")
    void exceedsOnlyPastAPositiveBound(Duration age, Duration bound, boolean want) {
        CacheHealth.Staleness s = new CacheHealth.Staleness(age, age.isZero() ? Map.of() : Map.of("pods", age));
        assertThat(s.exceeds(bound))
                .as("age %s, bound %s: got %s, want %s", age, bound, s.exceeds(bound), want)
                .isEqualTo(want);
    }

    @ParameterizedTest
    @MethodSource("descriptions")
    void describesTheStalestDecisionCachesRoundingUp(Map<String, Duration> disconnected, Duration age, String want) {
        CacheHealth.Staleness s = new CacheHealth.Staleness(age, disconnected);
        assertThat(s.describe()).as("got %s, want %s", s.describe(), want).isEqualTo(want);
    }

    static Stream<Arguments> descriptions() {
        return Stream.of(
                Arguments.of(
                        named("pods only", Map.of("pods", Duration.ofMillis(75_200))),
                        Duration.ofMillis(75_200),
                        "its watch of pods has been disconnected from the API server for 76 s"),
                Arguments.of(
                        named(
                                "pods and PVCs alike",
                                Map.of(
                                        "pods",
                                        Duration.ofSeconds(61),
                                        "persistentvolumeclaims",
                                        Duration.ofSeconds(61),
                                        "services",
                                        Duration.ofSeconds(61))),
                        Duration.ofSeconds(61),
                        "its watch of pods and persistentvolumeclaims has been disconnected from the API server "
                                + "for 61 s"));
    }

    @ParameterizedTest
    @MethodSource("lists")
    void listsEveryDisconnectedInformerByName(Map<String, Duration> disconnected, String want) {
        String got = new CacheHealth.Staleness(Duration.ZERO, disconnected).disconnectedList();
        assertThat(got).as("got %s, want %s", got, want).isEqualTo(want);
    }

    static Stream<Arguments> lists() {
        return Stream.of(
                Arguments.of(named("none", Map.of()), ""),
                Arguments.of(
                        named(
                                "sorted, rounded up",
                                Map.of("services", Duration.ofMillis(1), "pods", Duration.ofMillis(4_500))),
                        "pods=5s,services=1s"));
    }
}
