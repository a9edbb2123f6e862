package dev.ordinal.admission;

import static dev.ordinal.support.AdmissionClient.createReview;
import static dev.ordinal.support.AdmissionClient.review;
import static dev.ordinal.support.AdmissionClient.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ordinal.cluster.ClusterView;
import dev.ordinal.cluster.SetKey;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The validating webhook over HTTPS: CREATE against the set's live state, UPDATE immutability (SPEC §3.2). */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class ValidatingWebhookTest {

    static final String CONTROLLER = "system:serviceaccount:ordinal-system:ordinal";

    @KubernetesTestServer
    KubernetesServer server;

    @Inject
    ClusterView view;

    @Test
    void admitsAWellFormedMemberAndWarnsThatTheServiceIsMissing() {
        JsonNode response =
                send("/validate-pods", createReview(PodFixtures.stored("web", 0).build(), namespace()));
        assertThat(response.path("allowed").asBoolean())
                .as("response %s", response)
                .isTrue();
        assertThat(response.path("warnings").toString())
                .contains("headless Service web does not exist yet; the Ordinal controller creates it");
    }

    @Test
    void deniesAClaimTemplatesEntryForAVolumeThatDoesNotMountItsClaim() {
        // Issue 11 part 4: a named pod created with Ordinal's annotation but a volume mounting another claim.
        Pod pod = PodFixtures.stored("web", 3)
                .annotation(
                        OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION,
                        "{\"data\":{\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],"
                                + "\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}}")
                .build();
        pod.getSpec()
                .setVolumes(List.of(new VolumeBuilder()
                        .withName("data")
                        .withNewPersistentVolumeClaim("data-web-0", false)
                        .build()));
        JsonNode response = send("/validate-pods", createReview(pod, namespace()));
        assertThat(response.path("allowed").asBoolean())
                .as("response %s", response)
                .isFalse();
        assertThat(response.path("status").path("code").asInt()).isEqualTo(403);
        assertThat(response.path("status").path("message").asText())
                .startsWith("annotation"
                        + " ordinal.dev/claim-templates: entry \"data\": volume \"data\" of pod web-3 mounts claim"
                        + " \"data-web-0\", not \"data-web-3\"");
    }

    @Test
    void deniesAnOrdinalHeldByALivePodNamingIt() {
        String ns = namespace();
        seed(ns, PodFixtures.stored("web", 0).ready().build());
        JsonNode response =
                send("/validate-pods", createReview(PodFixtures.stored("web", 0).build(), ns));
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.path("status").path("code").asInt()).isEqualTo(409);
        assertThat(response.path("status").path("message").asText())
                .contains("ordinal 0 of set \"web\" is already held by live pod web-0");
    }

    @Test
    void deniesAPodWhoseSettingsDisagreeWithALiveSibling() {
        String ns = namespace();
        seed(ns, PodFixtures.stored("web", 0).ready().build());
        JsonNode response = send(
                "/validate-pods",
                createReview(
                        PodFixtures.stored("web", 1)
                                .annotation(OrdinalKeys.ORDERING_ANNOTATION, "deny")
                                .build(),
                        ns));
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.path("status").path("code").asInt()).isEqualTo(403);
        assertThat(response.path("status").path("message").asText())
                .contains("pod web-1 disagrees with live member web-0")
                .contains("ordinal.dev/ordering is \"deny\" here but \"gate\" there");
    }

    @Test
    void denyOrderingWaitsForEveryLowerOrdinalNamingTheOneItWaitsFor() {
        String ns = namespace();
        seed(
                ns,
                PodFixtures.stored("db", 0)
                        .ready()
                        .annotation(OrdinalKeys.ORDERING_ANNOTATION, "deny")
                        .build(),
                PodFixtures.stored("db", 2)
                        .ready()
                        .annotation(OrdinalKeys.ORDERING_ANNOTATION, "deny")
                        .build());
        JsonNode response = send(
                "/validate-pods",
                createReview(
                        PodFixtures.stored("db", 3)
                                .annotation(OrdinalKeys.ORDERING_ANNOTATION, "deny")
                                .build(),
                        ns));
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.path("status").path("code").asInt()).isEqualTo(429);
        assertThat(response.path("status").path("message").asText())
                .contains("db-3 waits for db-1: db-1 does not exist yet");
    }

    @Test
    void warnsAboutGapsAndANonHeadlessService() {
        String ns = namespace();
        seed(ns, PodFixtures.stored("web", 0).ready().build());
        server.getClient()
                .services()
                .inNamespace(ns)
                .resource(new ServiceBuilder()
                        .withNewMetadata()
                        .withName("web")
                        .withNamespace(ns)
                        .endMetadata()
                        .withNewSpec()
                        .withClusterIP("10.0.0.7")
                        .addToSelector("app", "web")
                        .endSpec()
                        .build())
                .create();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> view.serviceFacts(ns, "web", "web").exists());
        JsonNode response =
                send("/validate-pods", createReview(PodFixtures.stored("web", 4).build(), ns));
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.path("warnings").toString())
                .contains("set web has 3 ordinal(s) below 4 with no live pod (1, 2, 3)")
                .contains("Service web is not headless")
                .contains("does not select ordinal.dev/set=web");
    }

    @Test
    void dryRunIsAnsweredTheSameWay() {
        String ns = namespace();
        seed(ns, PodFixtures.stored("web", 0).ready().build());
        JsonNode response = send(
                "/validate-pods", review("CREATE", PodFixtures.stored("web", 0).build(), null, ns, "alice", true));
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.path("status").path("code").asInt()).isEqualTo(409);
    }

    static Stream<Arguments> identityUpdates() {
        return Stream.of(
                Arguments.argumentSet(
                        "change the set label",
                        edit(p -> label(p, OrdinalKeys.SET_LABEL, "other")),
                        "label ordinal.dev/set is immutable: it was \"web\" and the update sets it to \"other\""),
                Arguments.argumentSet(
                        "remove the set label",
                        edit(p -> label(p, OrdinalKeys.SET_LABEL, null)),
                        "a pod cannot leave ordinal set \"web\" after creation"),
                Arguments.argumentSet(
                        "change the pod-index label",
                        edit(p -> label(p, OrdinalKeys.POD_INDEX_LABEL, "7")),
                        "label apps.kubernetes.io/pod-index is immutable"),
                Arguments.argumentSet(
                        "remove the pod-name label",
                        edit(p -> label(p, OrdinalKeys.POD_NAME_LABEL, null)),
                        "label ordinal.dev/pod-name is immutable: it was \"web-2\" and the update sets it to unset"),
                Arguments.argumentSet(
                        "change an ordinal.dev annotation",
                        edit(p -> annotation(p, OrdinalKeys.POLICY_ANNOTATION, "Parallel")),
                        "annotation ordinal.dev/pod-management-policy is immutable"),
                Arguments.argumentSet(
                        "add an ordinal.dev annotation",
                        edit(p -> annotation(p, OrdinalKeys.MIN_READY_SECONDS_ANNOTATION, "5")),
                        "annotation ordinal.dev/min-ready-seconds is immutable: it was unset"),
                Arguments.argumentSet(
                        "remove the claim templates",
                        edit(p -> annotation(p, OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION, null)),
                        "annotation ordinal.dev/claim-templates is immutable"),
                Arguments.argumentSet(
                        "lift the ordered gate as a user",
                        edit(p -> ungate(p, OrdinalKeys.ORDERED_GATE)),
                        "scheduling gate ordinal.dev/ordered on pod web-2 may be removed only by the Ordinal controller"),
                Arguments.argumentSet(
                        "lift the claims gate as a user",
                        edit(p -> ungate(p, OrdinalKeys.CLAIMS_GATE)),
                        "scheduling gate ordinal.dev/claims on pod web-2 may be removed only by the Ordinal controller"));
    }

    @ParameterizedTest
    @MethodSource("identityUpdates")
    void deniesAnUpdateThatChangesIdentityOrLiftsAGate(UnaryOperator<Pod> change, String expected) {
        Pod old = gatedMember();
        JsonNode response =
                send("/validate-pods", review("UPDATE", change.apply(copy(old)), old, namespace(), "alice", false));
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.path("status").path("code").asInt()).isEqualTo(403);
        assertThat(response.path("status").path("message").asText()).contains(expected);
    }

    @Test
    void deniesJoiningASetAfterCreation() {
        Pod old = PodFixtures.member("web").named("loner").build();
        old.getMetadata().getLabels().remove(OrdinalKeys.SET_LABEL);
        Pod joined = label(copy(old), OrdinalKeys.SET_LABEL, "web");
        JsonNode response = send("/validate-pods", review("UPDATE", joined, old, namespace(), "alice", false));
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.path("status").path("message").asText())
                .contains("label ordinal.dev/set cannot be added to existing pod loner");
    }

    @Test
    void letsTheControllerLiftTheGates() {
        Pod old = gatedMember();
        Pod lifted = ungate(ungate(copy(old), OrdinalKeys.ORDERED_GATE), OrdinalKeys.CLAIMS_GATE);
        JsonNode response = send("/validate-pods", review("UPDATE", lifted, old, namespace(), CONTROLLER, false));
        assertThat(response.path("allowed").asBoolean())
                .as("response %s", response)
                .isTrue();
    }

    @Test
    void allowsUpdatesThatLeaveIdentityAlone() {
        Pod old = gatedMember();
        Pod relabelled = label(ungate(copy(old), "example.com/user-gate"), "team", "blue");
        JsonNode response = send("/validate-pods", review("UPDATE", relabelled, old, namespace(), "alice", false));
        assertThat(response.path("allowed").asBoolean())
                .as("response %s", response)
                .isTrue();
    }

    private static Pod gatedMember() {
        return PodFixtures.stored("web", 2)
                .gate(OrdinalKeys.ORDERED_GATE)
                .gate(OrdinalKeys.CLAIMS_GATE)
                .gate("example.com/user-gate")
                .annotation(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION, "{}")
                .annotation(OrdinalKeys.DELETION_COST_ANNOTATION, "-2")
                .build();
    }

    private static UnaryOperator<Pod> edit(UnaryOperator<Pod> change) {
        return change;
    }

    private static Pod copy(Pod pod) {
        return new PodBuilder(pod).build();
    }

    private static Pod label(Pod pod, String key, String value) {
        if (value == null) {
            pod.getMetadata().getLabels().remove(key);
        } else {
            pod.getMetadata().getLabels().put(key, value);
        }
        return pod;
    }

    private static Pod annotation(Pod pod, String key, String value) {
        if (value == null) {
            pod.getMetadata().getAnnotations().remove(key);
        } else {
            pod.getMetadata().getAnnotations().put(key, value);
        }
        return pod;
    }

    private static Pod ungate(Pod pod, String gate) {
        pod.getSpec()
                .setSchedulingGates(pod.getSpec().getSchedulingGates().stream()
                        .filter(g -> !g.getName().equals(gate))
                        .toList());
        return pod;
    }

    private void seed(String ns, Pod... pods) {
        for (Pod pod : pods) {
            pod.getMetadata().setNamespace(ns);
            server.getClient().pods().inNamespace(ns).resource(pod).create();
        }
        SetKey key = new SetKey(ns, pods[0].getMetadata().getLabels().get(OrdinalKeys.SET_LABEL));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> view.snapshot(key).members().size() == pods.length);
    }

    private static String namespace() {
        return "ns-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
