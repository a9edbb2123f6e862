package dev.ordinal.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Summarizing a fabric8 pod as a set member: readiness, termination, availability, ordinal, settings. */
class MemberTest {

    static Stream<Arguments> readiness() {
        return Stream.of(
                argumentSet("Running and Ready=True", PodFixtures.pod("web", 0).ready(), true),
                argumentSet("Running and Ready=False", PodFixtures.pod("web", 0).notReady(), false),
                argumentSet(
                        "Running without a Ready condition",
                        PodFixtures.pod("web", 0).status("Running", null, null),
                        false),
                argumentSet(
                        "Running and Ready=Unknown",
                        PodFixtures.pod("web", 0).status("Running", "Unknown", null),
                        false),
                argumentSet(
                        "Pending though Ready=True", PodFixtures.pod("web", 0).status("Pending", "True", null), false),
                argumentSet(
                        "Succeeded with Ready=True",
                        PodFixtures.pod("web", 0).status("Succeeded", "True", null),
                        false),
                argumentSet("no status", PodFixtures.pod("web", 0).noStatus(), false),
                argumentSet("lowercase phase", PodFixtures.pod("web", 0).status("running", "True", null), false));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("readiness")
    void isRunningAndReadyOnlyForPhaseRunningAndReadyTrue(PodFixtures fixture, boolean want) {
        Pod pod = fixture.build();
        boolean got = Member.isRunningAndReady(pod);
        assertThat(got).as("isRunningAndReady: got %s, want %s", got, want).isEqualTo(want);
        boolean summarized = Member.of(pod, "web").runningAndReady();
        assertThat(summarized)
                .as("Member.runningAndReady: got %s, want %s", summarized, want)
                .isEqualTo(want);
    }

    @Test
    void aTerminatingPodIsNeverReady() {
        Member got = PodFixtures.pod("web", 2).ready().terminating().asMember();
        assertThat(got.terminating())
                .as("terminating: got %s, want true", got.terminating())
                .isTrue();
        assertThat(got.runningAndReady())
                .as("runningAndReady of a terminating pod: got %s, want false", got.runningAndReady())
                .isFalse();
        assertThat(got.readySince())
                .as("readySince of a terminating pod: got %s, want null", got.readySince())
                .isNull();
        assertThat(Member.isTerminating(PodFixtures.pod("web", 2).build()))
                .as("a pod without deletionTimestamp: got" + " terminating, want live")
                .isFalse();
    }

    static Stream<Arguments> readySince() {
        return Stream.of(
                argumentSet(
                        "RFC 3339 time",
                        PodFixtures.pod("web", 0).readySince("2029-12-31T23:59:00Z"),
                        Instant.parse("2029-12-31T23:59:00Z")),
                argumentSet("no transition time", PodFixtures.pod("web", 0).readySince(null), null),
                argumentSet(
                        "unparseable transition time", PodFixtures.pod("web", 0).readySince("yesterday"), null),
                argumentSet(
                        "not ready",
                        PodFixtures.pod("web", 0).status("Running", "False", "2029-12-31T23:59:00Z"),
                        null));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("readySince")
    void parsesReadySinceFromTheReadyCondition(PodFixtures fixture, Instant want) {
        Instant got = fixture.asMember().readySince();
        assertThat(got).as("readySince: got %s, want %s", got, want).isEqualTo(want);
    }

    static Stream<Arguments> availability() {
        String tenSecondsAgo = PodFixtures.NOW.minusSeconds(10).toString();
        return Stream.of(
                argumentSet("minReadySeconds 0", PodFixtures.pod("web", 0).readySince(tenSecondsAgo), 0, true),
                argumentSet(
                        "ready longer than minReadySeconds",
                        PodFixtures.pod("web", 0).readySince(tenSecondsAgo),
                        9,
                        true),
                // Kubernetes' IsPodAvailable: available only strictly after readySince + minReadySeconds.
                argumentSet(
                        "ready exactly minReadySeconds",
                        PodFixtures.pod("web", 0).readySince(tenSecondsAgo),
                        10,
                        false),
                argumentSet("ready one second short", PodFixtures.pod("web", 0).readySince(tenSecondsAgo), 11, false),
                argumentSet(
                        "ready since the future (clock skew)",
                        PodFixtures.pod("web", 0)
                                .readySince(PodFixtures.NOW.plusSeconds(5).toString()),
                        1,
                        false),
                // Documented contract: no transition time counts as available rather than blocking forever.
                argumentSet(
                        "ready without transition time",
                        PodFixtures.pod("web", 0).readySince(null),
                        30,
                        false),
                argumentSet("not ready", PodFixtures.pod("web", 0).notReady(), 0, false),
                argumentSet(
                        "terminating",
                        PodFixtures.pod("web", 0).readySince(tenSecondsAgo).terminating(),
                        0,
                        false));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("availability")
    void isAvailableAfterMinReadySeconds(PodFixtures fixture, int minReadySeconds, boolean want) {
        boolean got = fixture.asMember().isAvailable(minReadySeconds, PodFixtures.NOW);
        assertThat(got)
                .as("isAvailable(%d, now): got %s, want %s", minReadySeconds, got, want)
                .isEqualTo(want);
    }

    static Stream<Arguments> ordinals() {
        return Stream.of(
                argumentSet("S-n", PodFixtures.pod("web", 4), 4),
                argumentSet("generateName, no name yet", PodFixtures.unnamed("web"), -1),
                argumentSet("name from before Ordinal", PodFixtures.pod("web", "web-7d9f-x2x"), -1),
                argumentSet("leading zero", PodFixtures.pod("web", "web-04"), -1));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("ordinals")
    void takesTheOrdinalFromAStrictName(PodFixtures fixture, int want) {
        int got = fixture.asMember().ordinal();
        assertThat(got).as("ordinal: got %d, want %d", got, want).isEqualTo(want);
    }

    @Test
    void summarizesNameUidPhaseSettingsAndGates() {
        Member got = PodFixtures.pod("web", 3)
                .ready()
                .annotation(OrdinalKeys.POLICY_ANNOTATION, "Parallel")
                .gate("example.com/wait")
                .gate(OrdinalKeys.ORDERED_GATE)
                .asMember();
        assertThat(got.name()).as("name: got %s, want web-3", got.name()).isEqualTo("web-3");
        assertThat(got.uid()).as("uid: got %s, want uid-web-3", got.uid()).isEqualTo("uid-web-3");
        assertThat(got.phase()).as("phase: got %s, want Running", got.phase()).isEqualTo("Running");
        assertThat(got.settings())
                .as("settings: got %s, want Parallel", got.settings())
                .isEqualTo(Settings.of("web", OrdinalKeys.POLICY_ANNOTATION, "Parallel"));
        assertThat(got.schedulingGates())
                .as("gates: got %s", got.schedulingGates())
                .containsExactly("example.com/wait", OrdinalKeys.ORDERED_GATE);
        assertThat(got.hasGate(OrdinalKeys.ORDERED_GATE))
                .as("hasGate(ordered): got false, want true")
                .isTrue();
        assertThat(got.hasGate(OrdinalKeys.CLAIMS_GATE))
                .as("hasGate(claims): got true, want false")
                .isFalse();
    }

    @Test
    void hasNoSettingsWhenItsAnnotationsAreInvalid() {
        // A pod that predates Ordinal may carry anything; it must still be summarized, just without settings.
        Member got = PodFixtures.pod("web", 1)
                .annotation(OrdinalKeys.ORDERING_ANNOTATION, "sometimes")
                .asMember();
        assertThat(got.settings())
                .as("settings: got %s, want null", got.settings())
                .isNull();
        assertThat(got.ordinal()).as("ordinal: got %d, want 1", got.ordinal()).isEqualTo(1);
    }

    @Test
    void hasNoGatesAndNoPhaseWhenSpecAndStatusAreMissing() {
        Member got = PodFixtures.pod("web", 1).noSpec().noStatus().asMember();
        assertThat(got.schedulingGates())
                .as("gates: got %s, want none", got.schedulingGates())
                .isEqualTo(List.of());
        assertThat(got.phase()).as("phase: got %s, want null", got.phase()).isNull();
    }

    static Stream<Arguments> setLabels() {
        return Stream.of(
                argumentSet("labelled", PodFixtures.pod("web", 0).build(), "web"),
                argumentSet("no set label", PodFixtures.outsider("nginx-abc").build(), null),
                argumentSet("no labels at all", new Pod(), null));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("setLabels")
    void readsTheSetLabel(Pod pod, String want) {
        String got = Member.setOf(pod);
        assertThat(got).as("setOf: got %s, want %s", got, want).isEqualTo(want);
    }
}
