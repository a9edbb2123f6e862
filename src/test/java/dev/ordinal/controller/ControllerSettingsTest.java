package dev.ordinal.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The Lease identity: configured, else POD_NAME, else hostname, else random; and the claim concurrency's bound. */
class ControllerSettingsTest {

    @Test
    void refusesAClaimConcurrencyBelowOne() {
        assertThatThrownBy(() -> new ControllerSettings(
                        "ns", "lease", "me", null, null, null, null, null, null, Duration.ofSeconds(5), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ordinal.controller.claim-concurrency must be at least 1, got 0");
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("configured wins", Optional.of("me"), "pod-a", "host-a", "me"),
                Arguments.of(
                        "blank configured falls through to POD_NAME", Optional.of(" "), "pod-a", "host-a", "pod-a"),
                Arguments.of("POD_NAME", Optional.empty(), "pod-a", "host-a", "pod-a"),
                Arguments.of("hostname", Optional.empty(), null, "host-a", "host-a"),
                Arguments.of("random", Optional.empty(), null, null, "ordinal-"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void choosesTheIdentity(String name, Optional<String> configured, String podName, String host, String want) {
        Map<String, String> env = new HashMap<>();
        if (podName != null) {
            env.put("POD_NAME", podName);
        }
        String got = ControllerSettings.identityFrom(configured, env, () -> host);
        assertThat(got).as("got %s, want %s", got, want).startsWith(want);
    }
}
