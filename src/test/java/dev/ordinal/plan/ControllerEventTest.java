package dev.ordinal.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.identity.Decision;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.identity.UpdateRules;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
        ControllerEvent e = ControllerEvent.waiting(
                new OrderedStart.Wait("web-3", "u", 3, 1, "web-1", blocker, "Pending", Duration.ofMillis(2500)));
        assertThat(e.reason()).isEqualTo(ControllerEvent.WAITING_FOR_PREDECESSOR);
        assertThat(e.type()).isEqualTo(ControllerEvent.Type.Normal);
        assertThat(e.message()).startsWith("web-3 waits for web-1: web-1 ");
        if (blocker == OrderedStart.Blocker.MIN_READY) {
            assertThat(e.message()).contains("3s left");
        }
    }

    static Stream<Arguments> releases() {
        return Stream.of(
                Arguments.of(
                        "first ordinal",
                        new OrderedStart.Release("web-0", "u", 0, 0, false),
                        "it is the first ordinal of set web"),
                Arguments.of(
                        "one predecessor",
                        new OrderedStart.Release("web-1", "u", 1, 0, false),
                        "web-0 is Running and Ready"),
                Arguments.of(
                        "several predecessors",
                        new OrderedStart.Release("web-4", "u", 4, 0, false),
                        "every lower ordinal (web-0 to web-3) is Running and Ready"),
                Arguments.of("parallel", new OrderedStart.Release("web-4", "u", 4, 0, true), "Parallel"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("releases")
    void releaseSaysWhy(String name, OrderedStart.Release r, String want) {
        ControllerEvent e = ControllerEvent.gateReleased("web", r);
        assertThat(e.reason()).isEqualTo(ControllerEvent.ORDINAL_GATE_RELEASED);
        assertThat(e.message())
                .as("got %s, want it to contain %s", e.message(), want)
                .contains(r.pod())
                .contains(OrdinalKeys.ORDERED_GATE)
                .contains(want);
    }

    static Stream<Arguments> all() {
        ClaimPlan.Claim claim = new ClaimPlan.Claim("data", "data-web-0", ClaimPlan.Action.CREATE, null);
        return Stream.of(
                Arguments.of(
                        ControllerEvent.claimCreated("web-0", claim),
                        ControllerEvent.CLAIM_CREATED,
                        "Normal",
                        "data-web-0"),
                Arguments.of(
                        ControllerEvent.claimReused("web-0", claim),
                        ControllerEvent.CLAIM_REUSED,
                        "Normal",
                        "not modified"),
                Arguments.of(
                        ControllerEvent.claimTerminating("web-0", claim),
                        ControllerEvent.CLAIM_TERMINATING,
                        "Warning",
                        "being deleted"),
                Arguments.of(
                        ControllerEvent.claimTemplatesInvalid("web-0", "bad"),
                        ControllerEvent.CLAIM_TEMPLATES_INVALID,
                        "Warning",
                        OrdinalKeys.CLAIMS_GATE),
                Arguments.of(
                        ControllerEvent.claimsGateReleased("web-0", List.of("data-web-0")),
                        ControllerEvent.CLAIMS_GATE_RELEASED,
                        "Normal",
                        "data-web-0"),
                Arguments.of(
                        ControllerEvent.serviceCreated("web", "web", 1),
                        ControllerEvent.SERVICE_CREATED,
                        "Normal",
                        "clusterIP: None"),
                Arguments.of(
                        ControllerEvent.serviceNotHeadless("web", "10.0.0.7", "web-0"),
                        ControllerEvent.SERVICE_NOT_HEADLESS,
                        "Warning",
                        "10.0.0.7"),
                Arguments.of(
                        ControllerEvent.serviceSelectorMismatch("web", "web", Map.of("app", "web")),
                        ControllerEvent.SERVICE_SELECTOR_MISMATCH,
                        "Warning",
                        "app=web"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("all")
    void everyEventHasItsReasonTypeAndSpecifics(ControllerEvent e, String reason, String type, String detail) {
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e.type().name()).isEqualTo(type);
        assertThat(e.message()).contains(detail);
        assertThat(ControllerEvent.REASONS).contains(reason);
    }

    static Stream<Arguments> requesters() {
        return Stream.of(
                Arguments.of(
                        "Ordinal's own webhook names the requester",
                        "admission webhook \"validate.ordinal.dev\"" + " denied the request: "
                                + gateDenial("system:serviceaccount:apps:deployer"),
                        "system:serviceaccount:apps:deployer"),
                Arguments.of(
                        "the RBAC authorizer names the user",
                        "pods \"web-1\" is forbidden: User"
                                + " \"system:serviceaccount:ordinal-system:ordinal\" cannot patch resource \"pods\" in API"
                                + " group \"\" in the namespace \"default\"",
                        "system:serviceaccount:ordinal-system:ordinal"),
                Arguments.of(
                        "another webhook's denial names nobody",
                        "admission webhook \"policy.example.com\"" + " denied the request: no",
                        null));
    }

    /** The message UpdateRules really gives when {@code user} lifts a gate: the test follows it if it changes. */
    static String gateDenial(String user) {
        io.fabric8.kubernetes.api.model.Pod before = dev.ordinal.support.PodFixtures.stored("web", 1)
                .gate(OrdinalKeys.ORDERED_GATE)
                .build();
        io.fabric8.kubernetes.api.model.Pod after =
                dev.ordinal.support.PodFixtures.stored("web", 1).build();
        Decision d = UpdateRules.validate(before, after, user, List.of("system:serviceaccount:ordinal-system:ordinal"));
        assertThat(d).isInstanceOf(Decision.Deny.class);
        return ((Decision.Deny) d).message();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requesters")
    void aForbiddenMessageNamesTheRequesterWhenItCan(String name, String message, String want) {
        assertThat(WriteFailure.requesterNamedIn(message).orElse(null))
                .as("requester in %s", message)
                .isEqualTo(want);
    }

    @org.junit.jupiter.api.Test
    void aForbiddenGateRemovalNamesTheIdentityAndTheSettingToFix() {
        WriteFailure f = new WriteFailure(
                WriteFailure.Write.REMOVE_GATE,
                "web-1",
                "web-1",
                OrdinalKeys.ORDERED_GATE,
                403,
                "Forbidden",
                gateDenial("system:serviceaccount:apps:deployer"));
        ControllerEvent e = ControllerEvent.writeFailed(f, Optional.of("system:serviceaccount:apps:deployer"));
        assertThat(e.type()).isEqualTo(ControllerEvent.Type.Warning);
        assertThat(e.reason()).isEqualTo(ControllerEvent.WRITE_FAILED);
        assertThat(e.message())
                .startsWith("Removing scheduling gate ordinal.dev/ordered from pod web-1 failed: HTTP 403"
                        + " Forbidden: scheduling gate")
                .contains(
                        "acts as \"system:serviceaccount:apps:deployer\"",
                        "ordinal.controller-users",
                        "ORDINAL_CONTROLLER_USERS");
    }

    @org.junit.jupiter.api.Test
    void anRbacRefusalPointsAtTheClusterRole() {
        WriteFailure f = new WriteFailure(
                WriteFailure.Write.DELETE_POD,
                "web-2",
                "web-2",
                null,
                403,
                "Forbidden",
                "pods \"web-2\" is forbidden: User \"sa\" cannot delete resource \"pods\"");
        assertThat(ControllerEvent.writeFailed(f, Optional.of("sa")).message())
                .contains("HTTP 403 Forbidden", "cannot delete resource", "ClusterRole ordinal")
                .doesNotContain("ordinal.controller-users");
    }

    @org.junit.jupiter.api.Test
    void anOwnerlessStuckPodGetsTheMissingOrdinalAndTheCommand() {
        ControllerEvent e = ControllerEvent.gapStuck(
                "web", "shop", new GapHealing.OwnerMissing("web-2", "u", 2, 1, Duration.ofSeconds(21)));
        assertThat(e.type()).isEqualTo(ControllerEvent.Type.Warning);
        assertThat(e.reason()).isEqualTo(ControllerEvent.ORDINAL_GAP_STUCK);
        assertThat(e.message())
                .startsWith("web-2 waits for web-1, which has had no pod and no reservation for 21s")
                .contains("kubectl delete pod web-2 -n shop", "generateName: web-", "it gets web-1");
    }

    @org.junit.jupiter.api.Test
    void aRecycleNamesThePodTheOwnerAndTheGap() {
        ControllerEvent e = ControllerEvent.gapRecycled(
                "web",
                "shop",
                new GapHealing.Recycle("web-2", "u", 2, "ReplicaSet/web-7d9c", 1, Duration.ofSeconds(21)));
        assertThat(e.type()).isEqualTo(ControllerEvent.Type.Normal);
        assertThat(e.reason()).isEqualTo(ControllerEvent.ORDINAL_GAP_RECYCLED);
        assertThat(e.message()).startsWith("Deleted web-2").contains("ReplicaSet/web-7d9c", "web-1", "21s");
    }
}
