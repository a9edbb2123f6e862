package dev.ordinal.identity;

import static dev.ordinal.identity.OrdinalKeys.CLAIMS_GATE;
import static dev.ordinal.identity.OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.DELETION_COST_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.ORDERED_GATE;
import static dev.ordinal.identity.OrdinalKeys.POD_INDEX_LABEL;
import static dev.ordinal.identity.OrdinalKeys.POD_NAME_LABEL;
import static dev.ordinal.identity.OrdinalKeys.POLICY_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.SET_LABEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The UPDATE rules: identity and settings are immutable, and only the controller lifts Ordinal's gates. */
class UpdateRulesTest {

    private static final String CONTROLLER = "system:serviceaccount:ordinal-system:ordinal";
    /** Immutable, as the admission layer's config list may be: {@code contains(null)} throws on it. */
    private static final List<String> CONTROLLERS = List.of(CONTROLLER);

    private static final String ALICE = "alice@example.com";

    /** Member web-3 as the mutating webhook left it: identity, a recorded template, its gates and a user gate. */
    private static PodFixtures member() {
        return PodFixtures.pod("web", 3)
                .label("app", "web")
                .label(POD_INDEX_LABEL, "3")
                .label(POD_NAME_LABEL, "web-3")
                .annotation(POLICY_ANNOTATION, "OrderedReady")
                .annotation(DELETION_COST_ANNOTATION, "-3")
                .annotation(
                        CLAIM_TEMPLATES_ANNOTATION, ClaimTemplates.encode(Map.of("data", PodFixtures.template("data"))))
                .gate("example.com/wait")
                .gate(CLAIMS_GATE)
                .gate(ORDERED_GATE);
    }

    private static Decision validate(PodFixtures oldPod, PodFixtures newPod, String user) {
        return UpdateRules.validate(oldPod.build(), newPod.build(), user, CONTROLLERS);
    }

    private static void assertAllowed(Decision got) {
        assertThat(got).as("decision: got %s, want Allow unchanged", got).isEqualTo(Decision.Allow.unchanged());
    }

    private static void assertDenied(Decision got, List<String> fragments) {
        assertThat(got).as("decision: got %s, want Deny", got).isInstanceOf(Decision.Deny.class);
        Decision.Deny deny = (Decision.Deny) got;
        assertThat(deny.code()).as("code: got %d, want 403", deny.code()).isEqualTo(403);
        for (String fragment : fragments) {
            assertThat(deny.message())
                    .as("message: got %s, want it to contain %s", deny.message(), fragment)
                    .contains(fragment);
        }
    }

    static Stream<Arguments> allowedUpdates() {
        return Stream.of(
                argumentSet(
                        "pod not in a set changes anything",
                        PodFixtures.outsider("nginx-1"),
                        PodFixtures.outsider("nginx-1")
                                .label(POD_INDEX_LABEL, "9")
                                .annotation(POLICY_ANNOTATION, "x"),
                        ALICE),
                argumentSet(
                        "unrelated label change",
                        member(),
                        member().label("app", "web2").label("tier", "db"),
                        ALICE),
                argumentSet("unrelated annotation change", member(), member().annotation("example.com/x", "y"), ALICE),
                // Not an ordinal.dev/* key: a user tuning scale-down order on purpose is not Ordinal's to stop.
                argumentSet(
                        "deletion cost change", member(), member().annotation(DELETION_COST_ANNOTATION, "5"), ALICE),
                argumentSet("status change", member(), member().ready(), "system:node:n1"),
                argumentSet("nothing changes", member(), member(), ALICE),
                argumentSet(
                        "ordered gate removed by the controller",
                        member(),
                        member().withoutGate(ORDERED_GATE),
                        CONTROLLER),
                argumentSet(
                        "claims gate removed by the controller",
                        member(),
                        member().withoutGate(CLAIMS_GATE),
                        CONTROLLER),
                argumentSet(
                        "both Ordinal gates removed by the controller",
                        member(),
                        member().withoutGate(ORDERED_GATE).withoutGate(CLAIMS_GATE),
                        CONTROLLER),
                argumentSet(
                        "user's own gate removed by the user",
                        member(),
                        member().withoutGate("example.com/wait"),
                        ALICE),
                // Found by HostileInputTest: a gate without a name used to fail with a NullPointerException.
                argumentSet("a nameless gate on both sides", member().gate(null), member().gate(null), ALICE));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("allowedUpdates")
    void allowsAnUpdateThatKeepsIdentity(PodFixtures oldPod, PodFixtures newPod, String user) {
        assertAllowed(validate(oldPod, newPod, user));
    }

    static Stream<Arguments> deniedUpdates() {
        return Stream.of(
                argumentSet(
                        "join a set",
                        PodFixtures.outsider("nginx-1"),
                        PodFixtures.outsider("nginx-1").label(SET_LABEL, "web"),
                        ALICE,
                        List.of(
                                "label " + SET_LABEL + " cannot be added to existing pod nginx-1",
                                "\"web\"",
                                "only at creation")),
                argumentSet(
                        "leave the set",
                        member(),
                        member().withoutLabel(SET_LABEL),
                        ALICE,
                        List.of("label " + SET_LABEL + " cannot be removed from pod web-3", "\"web\"", "cannot leave")),
                argumentSet(
                        "change the set",
                        member(),
                        member().label(SET_LABEL, "api"),
                        ALICE,
                        List.of("label " + SET_LABEL + " is immutable: it was \"web\" and the update sets it to"
                                + " \"api\"")),
                argumentSet(
                        "change the pod-index label",
                        member(),
                        member().label(POD_INDEX_LABEL, "4"),
                        ALICE,
                        List.of("label " + POD_INDEX_LABEL + " is immutable: it was \"3\" and the update sets it to"
                                + " \"4\"")),
                argumentSet(
                        "remove the pod-index label",
                        member(),
                        member().withoutLabel(POD_INDEX_LABEL),
                        ALICE,
                        List.of("label " + POD_INDEX_LABEL + " is immutable: it was \"3\" and the update sets it to"
                                + " unset")),
                argumentSet(
                        "add the pod-index label",
                        member().withoutLabel(POD_INDEX_LABEL),
                        member(),
                        ALICE,
                        List.of("label " + POD_INDEX_LABEL + " is immutable: it was unset")),
                argumentSet(
                        "change the pod-name label",
                        member(),
                        member().label(POD_NAME_LABEL, "web-4"),
                        ALICE,
                        List.of("label " + POD_NAME_LABEL + " is immutable", "\"web-3\"", "\"web-4\"")),
                argumentSet(
                        "the controller cannot change identity either",
                        member(),
                        member().label(POD_INDEX_LABEL, "4"),
                        CONTROLLER,
                        List.of("label " + POD_INDEX_LABEL)),
                argumentSet(
                        "ordered gate removed by a user",
                        member(),
                        member().withoutGate(ORDERED_GATE),
                        ALICE,
                        List.of(
                                "scheduling gate " + ORDERED_GATE + " on pod web-3",
                                "only by the Ordinal controller (" + CONTROLLER + ")",
                                "not by \"" + ALICE + "\"")),
                argumentSet(
                        "claims gate removed by a user",
                        member(),
                        member().withoutGate(CLAIMS_GATE),
                        ALICE,
                        List.of("scheduling gate " + CLAIMS_GATE, "\"" + ALICE + "\"")),
                argumentSet(
                        "all gates removed by a user",
                        member(),
                        member().withoutGate(ORDERED_GATE)
                                .withoutGate(CLAIMS_GATE)
                                .withoutGate("example.com/wait"),
                        ALICE,
                        List.of("scheduling gate ordinal.dev/", "\"" + ALICE + "\"")),
                argumentSet(
                        "ordered gate removed with no username",
                        member(),
                        member().withoutGate(ORDERED_GATE),
                        null,
                        List.of("scheduling gate " + ORDERED_GATE, "not by \"null\"")));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("deniedUpdates")
    void deniesAnUpdateThatBreaksARule(PodFixtures oldPod, PodFixtures newPod, String user, List<String> fragments) {
        assertDenied(validate(oldPod, newPod, user), fragments);
    }

    /** How an update touches an {@code ordinal.dev/*} annotation. */
    enum Change {
        ADD,
        CHANGE,
        REMOVE
    }

    static Stream<Arguments> annotationChanges() {
        List<String> keys = new ArrayList<>(OrdinalKeys.SETTING_ANNOTATIONS);
        keys.addAll(OrdinalKeys.OWNED_ANNOTATIONS);
        keys.add("ordinal.dev/typo"); // not a setting, but still in Ordinal's prefix and so still frozen
        List<Arguments> cases = new ArrayList<>();
        for (String key : keys) {
            for (Change change : Change.values()) {
                for (String user : List.of(ALICE, CONTROLLER)) {
                    String who = user.equals(ALICE) ? "a user" : "the controller";
                    cases.add(argumentSet(change + " " + key + " by " + who, key, change, user));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("annotationChanges")
    void deniesAnyChangeToAnOrdinalAnnotation(String key, Change change, String user) {
        PodFixtures before = member().withoutAnnotation(key);
        PodFixtures after = member().withoutAnnotation(key);
        switch (change) {
            case ADD -> after.annotation(key, "b");
            case CHANGE -> {
                before.annotation(key, "a");
                after.annotation(key, "b");
            }
            case REMOVE -> before.annotation(key, "a");
        }
        String was = change == Change.ADD ? "unset" : "\"a\"";
        String becomes = change == Change.REMOVE ? "unset" : "\"b\"";
        assertDenied(
                validate(before, after, user),
                List.of("annotation " + key + " is immutable: it was " + was + " and the update sets it to "
                        + becomes));
    }

    @ParameterizedTest(name = "{0} removed by a user")
    @EnumSource
    void namesEveryControllerUserWhenDenyingAGateRemoval(OrdinalGate gate) {
        Pod before = member().build();
        Pod after = member().withoutGate(gate.key).build();
        Decision got = UpdateRules.validate(before, after, ALICE, List.of(CONTROLLER, "system:admin"));
        assertDenied(got, List.of("scheduling gate " + gate.key, "(" + CONTROLLER + ", system:admin)"));
        assertAllowed(UpdateRules.validate(before, after, "system:admin", List.of(CONTROLLER, "system:admin")));
    }

    /** Ordinal's scheduling gates. */
    enum OrdinalGate {
        ORDERED(ORDERED_GATE),
        CLAIMS(CLAIMS_GATE);

        final String key;

        OrdinalGate(String key) {
            this.key = key;
        }
    }
}
