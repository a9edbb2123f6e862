package dev.ordinal.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Event texts: every wait names the blocking ordinal, every action names what it did. */
class ControllerEventTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(OrderedStart.Blocker.class)
    void waitNamesTheBlockingOrdinal(OrderedStart.Blocker blocker) {
        ControllerEvent e = ControllerEvent.waiting(new OrderedStart.Wait("web-3", "u", 3, 1, "web-1", blocker,
                "Pending", Duration.ofMillis(2500)));
        assertThat(e.reason()).isEqualTo(ControllerEvent.WAITING_FOR_PREDECESSOR);
        assertThat(e.type()).isEqualTo(ControllerEvent.Type.Normal);
        assertThat(e.message()).startsWith("web-3 waits for web-1: web-1 ");
        if (blocker == OrderedStart.Blocker.MIN_READY) {
            assertThat(e.message()).contains("3s left");
        }
    }

    static Stream<Arguments> releases() {
        return Stream.of(
                Arguments.of("first ordinal", new OrderedStart.Release("web-0", "u", 0, 0, false),
                        "it is the first ordinal of set web"),
                Arguments.of("one predecessor", new OrderedStart.Release("web-1", "u", 1, 0, false),
                        "web-0 is Running and Ready"),
                Arguments.of("several predecessors", new OrderedStart.Release("web-4", "u", 4, 0, false),
                        "every lower ordinal (web-0 to web-3) is Running and Ready"),
                Arguments.of("parallel", new OrderedStart.Release("web-4", "u", 4, 0, true), "Parallel"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("releases")
    void releaseSaysWhy(String name, OrderedStart.Release r, String want) {
        ControllerEvent e = ControllerEvent.gateReleased("web", r);
        assertThat(e.reason()).isEqualTo(ControllerEvent.ORDINAL_GATE_RELEASED);
        assertThat(e.message()).as("got %s, want it to contain %s", e.message(), want)
                .contains(r.pod()).contains(OrdinalKeys.ORDERED_GATE).contains(want);
    }

    static Stream<Arguments> all() {
        ClaimPlan.Claim claim = new ClaimPlan.Claim("data", "data-web-0", ClaimPlan.Action.CREATE, null);
        return Stream.of(
                Arguments.of(ControllerEvent.claimCreated("web-0", claim), ControllerEvent.CLAIM_CREATED, "Normal",
                        "data-web-0"),
                Arguments.of(ControllerEvent.claimReused("web-0", claim), ControllerEvent.CLAIM_REUSED, "Normal",
                        "not modified"),
                Arguments.of(ControllerEvent.claimTerminating("web-0", claim), ControllerEvent.CLAIM_TERMINATING,
                        "Warning", "being deleted"),
                Arguments.of(ControllerEvent.claimTemplatesInvalid("web-0", "bad"),
                        ControllerEvent.CLAIM_TEMPLATES_INVALID, "Warning", OrdinalKeys.CLAIMS_GATE),
                Arguments.of(ControllerEvent.claimsGateReleased("web-0", List.of("data-web-0")),
                        ControllerEvent.CLAIMS_GATE_RELEASED, "Normal", "data-web-0"),
                Arguments.of(ControllerEvent.serviceCreated("web", "web", 1), ControllerEvent.SERVICE_CREATED,
                        "Normal", "clusterIP: None"),
                Arguments.of(ControllerEvent.serviceNotHeadless("web", "10.0.0.7", "web-0"),
                        ControllerEvent.SERVICE_NOT_HEADLESS, "Warning", "10.0.0.7"),
                Arguments.of(ControllerEvent.serviceSelectorMismatch("web", "web", Map.of("app", "web")),
                        ControllerEvent.SERVICE_SELECTOR_MISMATCH, "Warning", "app=web"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("all")
    void everyEventHasItsReasonTypeAndSpecifics(ControllerEvent e, String reason, String type, String detail) {
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e.type().name()).isEqualTo(type);
        assertThat(e.message()).contains(detail);
        assertThat(ControllerEvent.REASONS).contains(reason);
    }
}
