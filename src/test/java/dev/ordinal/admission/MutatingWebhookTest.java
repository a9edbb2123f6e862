package dev.ordinal.admission;

import static dev.ordinal.support.AdmissionClient.createReview;
import static dev.ordinal.support.AdmissionClient.patchOf;
import static dev.ordinal.support.AdmissionClient.patched;
import static dev.ordinal.support.AdmissionClient.send;
import static dev.ordinal.support.AdmissionClient.toPod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ordinal.cluster.ClusterView;
import dev.ordinal.cluster.SetKey;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.support.AdmissionClient;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The mutating webhook over HTTPS against the mock API server: ordinals, identity, storage, gates (SPEC §3.1). */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class MutatingWebhookTest {

    @KubernetesTestServer
    KubernetesServer server;

    @Inject
    ClusterView view;

    @Test
    void firstPodGetsOrdinalZeroWithFullIdentityAndTheNextGetsOne() {
        String ns = namespace();
        ObjectNode review = AdmissionClient.fixture("create-deployment-pod.json");
        ((ObjectNode) review.path("request")).put("namespace", ns);

        JsonNode response = send("/mutate-pods", review);
        assertThat(response.path("allowed").asBoolean())
                .as("allowed, response %s", response)
                .isTrue();
        Pod pod = toPod(patched(review, response));
        assertThat(pod.getMetadata().getName()).isEqualTo("web-0");
        assertThat(pod.getSpec().getHostname()).isEqualTo("web-0");
        assertThat(pod.getSpec().getSubdomain()).isEqualTo("web");
        assertThat(pod.getMetadata().getLabels())
                .containsEntry(OrdinalKeys.POD_INDEX_LABEL, "0")
                .containsEntry(OrdinalKeys.POD_NAME_LABEL, "web-0")
                .containsEntry("pod-template-hash", "7d9c5b6f4");
        assertThat(pod.getMetadata().getAnnotations()).containsEntry(OrdinalKeys.DELETION_COST_ANNOTATION, "0");
        assertThat(pod.getSpec().getVolumes()).singleElement().satisfies(v -> {
            assertThat(v.getEphemeral()).isNull();
            assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("data-web-0");
        });
        assertThat(pod.getMetadata().getAnnotations().get(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION))
                .contains("\"data\"")
                .contains("1Gi")
                .contains("ReadWriteOnce");
        assertThat(gates(pod)).as("no PVC yet, no predecessor").containsExactly(OrdinalKeys.CLAIMS_GATE);
        assertThat(pod.getMetadata().getOwnerReferences()).hasSize(1);

        ObjectNode second = AdmissionClient.fixture("create-deployment-pod.json");
        ((ObjectNode) second.path("request"))
                .put("namespace", ns)
                .put("uid", UUID.randomUUID().toString());
        Pod next = toPod(patched(second, send("/mutate-pods", second)));
        assertThat(next.getMetadata().getName())
                .as("web-0 is reserved until stored")
                .isEqualTo("web-1");
        assertThat(gates(next)).as("web-0 is not Running and Ready").contains(OrdinalKeys.ORDERED_GATE);
    }

    @Test
    void fillsTheLowestGapFirst() {
        String ns = namespace();
        seed(
                ns,
                PodFixtures.stored("web", 0).ready().build(),
                PodFixtures.stored("web", 2).ready().build(),
                PodFixtures.stored("web", 3).ready().build());
        Pod pod = mutate(PodFixtures.member("web").build(), ns);
        assertThat(pod.getMetadata().getName()).isEqualTo("web-1");
        assertThat(gates(pod)).as("web-0 is Running and Ready").doesNotContain(OrdinalKeys.ORDERED_GATE);
    }

    @Test
    void honoursTheStartOrdinal() {
        String ns = namespace();
        Pod pod = mutate(
                PodFixtures.member("db")
                        .annotation(OrdinalKeys.START_ORDINAL_ANNOTATION, "3")
                        .build(),
                ns);
        assertThat(pod.getMetadata().getName()).isEqualTo("db-3");
        assertThat(pod.getMetadata().getLabels()).containsEntry(OrdinalKeys.POD_INDEX_LABEL, "3");
        assertThat(pod.getMetadata().getAnnotations()).containsEntry(OrdinalKeys.DELETION_COST_ANNOTATION, "-3");
    }

    @Test
    void deniesWithARetryableMessageWhenTheLowestFreeOrdinalIsTerminating() {
        String ns = namespace();
        Pod terminating = PodFixtures.stored("web", 0).ready().build();
        terminating.getMetadata().setFinalizers(List.of("example.com/hold"));
        seed(ns, terminating, PodFixtures.stored("web", 1).ready().build());
        client().pods().inNamespace(ns).withName("web-0").delete();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> view.snapshot(new SetKey(ns, "web")).isTerminating(0));

        JsonNode response =
                send("/mutate-pods", createReview(PodFixtures.member("web").build(), ns));
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.path("status").path("code").asInt()).isEqualTo(429);
        assertThat(response.path("status").path("message").asText())
                .contains("ordinal 0")
                .contains("web-0")
                .contains("terminating")
                .contains("Retry later");
    }

    @Test
    void keepsTheOrderedGateWhileAPredecessorIsNotRunningAndReady() {
        String ns = namespace();
        seed(
                ns,
                PodFixtures.stored("web", 0).ready().build(),
                PodFixtures.stored("web", 1).notReady().build());
        assertThat(gates(mutate(PodFixtures.member("web").build(), ns))).contains(OrdinalKeys.ORDERED_GATE);
    }

    @Test
    void addsNoOrderedGateWhenEveryPredecessorIsRunningAndReady() {
        String ns = namespace();
        seed(
                ns,
                PodFixtures.stored("web", 0).ready().build(),
                PodFixtures.stored("web", 1).ready().build());
        Pod pod = mutate(PodFixtures.member("web").build(), ns);
        assertThat(pod.getMetadata().getName()).isEqualTo("web-2");
        assertThat(gates(pod)).isEmpty();
    }

    @Test
    void parallelPolicyNeverGates() {
        String ns = namespace();
        seed(
                ns,
                PodFixtures.stored("web", 0)
                        .pending()
                        .annotation(OrdinalKeys.POLICY_ANNOTATION, "Parallel")
                        .build());
        Pod pod = mutate(
                PodFixtures.member("web")
                        .annotation(OrdinalKeys.POLICY_ANNOTATION, "Parallel")
                        .build(),
                ns);
        assertThat(pod.getMetadata().getName()).isEqualTo("web-1");
        assertThat(gates(pod)).isEmpty();
    }

    @Test
    void existingClaimMeansNoClaimsGate() {
        String ns = namespace();
        client().persistentVolumeClaims()
                .inNamespace(ns)
                .resource(new PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName("data-web-0")
                        .withNamespace(ns)
                        .endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteOnce")
                        .endSpec()
                        .build())
                .create();
        await().atMost(Duration.ofSeconds(10)).until(() -> view.claimExists(ns, "data-web-0"));
        Pod pod = mutate(PodFixtures.member("web").ephemeralVolume("data").build(), ns);
        assertThat(pod.getSpec().getVolumes().get(0).getPersistentVolumeClaim().getClaimName())
                .isEqualTo("data-web-0");
        assertThat(gates(pod)).isEmpty();
    }

    @Test
    void keepsVolumesListedAsEphemeral() {
        String ns = namespace();
        Pod pod = mutate(
                PodFixtures.member("web")
                        .ephemeralVolume("data")
                        .ephemeralVolume("scratch")
                        .annotation(OrdinalKeys.EPHEMERAL_VOLUMES_ANNOTATION, "scratch")
                        .build(),
                ns);
        assertThat(pod.getSpec().getVolumes().get(0).getPersistentVolumeClaim().getClaimName())
                .isEqualTo("data-web-0");
        assertThat(pod.getSpec().getVolumes().get(1).getEphemeral())
                .as("scratch stays ephemeral")
                .isNotNull();
        assertThat(pod.getMetadata().getAnnotations().get(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION))
                .contains("data")
                .doesNotContain("scratch");
    }

    @Test
    void denyOrderingRefusesCreationNamingTheAwaitedOrdinal() {
        String ns = namespace();
        seed(
                ns,
                PodFixtures.stored("web", 0)
                        .notReady()
                        .annotation(OrdinalKeys.ORDERING_ANNOTATION, "deny")
                        .build());
        JsonNode response = send(
                "/mutate-pods",
                createReview(
                        PodFixtures.member("web")
                                .annotation(OrdinalKeys.ORDERING_ANNOTATION, "deny")
                                .build(),
                        ns));
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.path("status").path("code").asInt()).isEqualTo(429);
        assertThat(response.path("status").path("message").asText()).contains("web-1 waits for web-0");
    }

    @Test
    void aPodSentWithNullAnnotationsIsPatchedNotAnInternalError() {
        ObjectNode review = createReview(PodFixtures.member("web").build(), namespace());
        ((ObjectNode) review.path("request").path("object").path("metadata")).putNull("annotations");
        JsonNode response = send("/mutate-pods", review);
        assertThat(response.path("allowed").asBoolean())
                .as("response %s", response)
                .isTrue();
        Pod pod = toPod(patched(review, response));
        assertThat(pod.getMetadata().getName()).isEqualTo("web-0");
        assertThat(pod.getMetadata().getAnnotations()).containsEntry(OrdinalKeys.DELETION_COST_ANNOTATION, "0");
    }

    @Test
    void reinvocationOfAnAlreadyMutatedPodReturnsNoPatch() {
        String ns = namespace();
        ObjectNode review =
                createReview(PodFixtures.member("web").ephemeralVolume("data").build(), ns);
        JsonNode first = patched(review, send("/mutate-pods", review));

        ObjectNode again = createReview(toPod(first), ns);
        JsonNode response = send("/mutate-pods", again);
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(patchOf(response)).as("re-invocation patch").isNull();
    }

    @Test
    void deniesAnInvalidClaimTemplateAndReservesNothing() {
        // Issue 11 part 2: without the check this pod was admitted, and the controller's PVC create failed with 422.
        String ns = namespace();
        Pod pod = PodFixtures.member("web").ephemeralVolume("data").build();
        pod.getSpec()
                .getVolumes()
                .get(0)
                .getEphemeral()
                .getVolumeClaimTemplate()
                .getSpec()
                .setAccessModes(List.of());
        JsonNode response = send("/mutate-pods", createReview(pod, ns));
        assertThat(response.path("allowed").asBoolean())
                .as("allowed, response %s", response)
                .isFalse();
        assertThat(response.path("status").path("code").asInt()).isEqualTo(403);
        assertThat(response.path("status").path("message").asText())
                .isEqualTo("volume \"data\":"
                        + " ephemeral.volumeClaimTemplate.spec.accessModes is required; allowed: one or more of ReadWriteOnce,"
                        + " ReadOnlyMany, ReadWriteMany, ReadWriteOncePod");
        assertThat(view.reserved(new SetKey(ns, "web")))
                .as("reservations after a denial")
                .isEmpty();
    }

    @Test
    void deniesAPodWithNodeNameThatWouldBeGatedForItsClaim() {
        // Issue 11 part 3: the API server refuses spec.nodeName with scheduling gates (422); say why and what to do.
        String ns = namespace();
        Pod pod = PodFixtures.member("web").ephemeralVolume("data").build();
        pod.getSpec().setNodeName("node-a");
        JsonNode response = send("/mutate-pods", createReview(pod, ns));
        assertThat(response.path("allowed").asBoolean())
                .as("allowed, response %s", response)
                .isFalse();
        assertThat(response.path("status").path("code").asInt()).isEqualTo(403);
        assertThat(response.path("status").path("message").asText())
                .startsWith("spec.nodeName is \"node-a\", but Ordinal must hold web-0 behind scheduling gate"
                        + " ordinal.dev/claims until it has created claim(s) data-web-0")
                .contains("drop spec.nodeName and pin the node with a nodeSelector on kubernetes.io/hostname");
        assertThat(view.reserved(new SetKey(ns, "web")))
                .as("reservations after a denial")
                .isEmpty();
    }

    @Test
    void deniesAPodWithNodeNameThatWouldBeGatedForItsPredecessor() {
        String ns = namespace();
        seed(ns, PodFixtures.stored("web", 0).notReady().build());
        Pod pinned = PodFixtures.member("web").build();
        pinned.getSpec().setNodeName("node-a");
        JsonNode response = send("/mutate-pods", createReview(pinned, ns));
        assertThat(response.path("allowed").asBoolean())
                .as("allowed, response %s", response)
                .isFalse();
        assertThat(response.path("status").path("message").asText())
                .contains("behind scheduling gate ordinal.dev/ordered until web-0 is Running and Ready")
                .contains("set annotation ordinal.dev/ordering: deny");
    }

    @Test
    void admitsAPodWithNodeNameThatNeedsNoGate() {
        String ns = namespace();
        Pod pinned = PodFixtures.member("web").build();
        pinned.getSpec().setNodeName("node-a");
        Pod pod = mutate(pinned, ns);
        assertThat(pod.getMetadata().getName()).isEqualTo("web-0");
        assertThat(pod.getSpec().getNodeName()).isEqualTo("node-a");
        assertThat(gates(pod)).as("web-0 waits for nobody and has no claim").isEmpty();
    }

    @Test
    void deniesAForgedClaimTemplatesEntryNamingIt() {
        // Issue 11 part 4: the entry would make the controller create claim ghost-web-0, which the pod never mounts.
        String ns = namespace();
        String forged = "{\"ghost\":{\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],"
                + "\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}}";
        Pod pod = PodFixtures.member("web")
                .ephemeralVolume("data")
                .annotation(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION, forged)
                .build();
        JsonNode response = send("/mutate-pods", createReview(pod, ns));
        assertThat(response.path("allowed").asBoolean())
                .as("allowed, response %s", response)
                .isFalse();
        assertThat(response.path("status").path("code").asInt()).isEqualTo(403);
        assertThat(response.path("status").path("message").asText())
                .startsWith("annotation ordinal.dev/claim-templates: entry \"ghost\" names no volume of pod web-0;"
                        + " allowed: an entry only for a volume that mounts its per-ordinal claim");
        assertThat(view.reserved(new SetKey(ns, "web")))
                .as("reservations after a denial")
                .isEmpty();
    }

    @Test
    void reinvocationAndTheValidatingWebhookAcceptOrdinalsOwnClaimTemplates() {
        String ns = namespace();
        ObjectNode review = createReview(
                PodFixtures.member("web")
                        .ephemeralVolume("data")
                        .ephemeralVolume("logs")
                        .build(),
                ns);
        Pod once = toPod(patched(review, send("/mutate-pods", review)));
        JsonNode again = send("/mutate-pods", createReview(once, ns));
        assertThat(again.path("allowed").asBoolean())
                .as("re-invocation, response %s", again)
                .isTrue();
        assertThat(patchOf(again)).as("re-invocation patch").isNull();
        JsonNode validated = send("/validate-pods", createReview(once, ns));
        assertThat(validated.path("allowed").asBoolean())
                .as("validation, response %s", validated)
                .isTrue();
    }

    @Test
    void dryRunGetsTheSameAnswerAndReservesNothing() {
        String ns = namespace();
        Pod pod = PodFixtures.member("web").build();
        for (int i = 0; i < 2; i++) {
            ObjectNode review = AdmissionClient.review("CREATE", pod, null, ns, "alice", true);
            Pod answered = toPod(patched(review, send("/mutate-pods", review)));
            assertThat(answered.getMetadata().getName()).as("dryRun %d", i).isEqualTo("web-0");
        }
        assertThat(view.reserved(new SetKey(ns, "web"))).isEmpty();
    }

    @Test
    void unknownFieldsSurviveAndGetNoRemoveOperation() {
        ObjectNode review = AdmissionClient.fixture("create-unknown-fields.json");
        ((ObjectNode) review.path("request")).put("namespace", namespace());
        JsonNode response = send("/mutate-pods", review);
        JsonNode patch = patchOf(response);
        assertThat(patch).isNotNull();
        patch.forEach(op -> assertThat(op.path("op").asText()).as("op %s", op).isNotEqualTo("remove"));
        JsonNode result = patched(review, response);
        assertThat(result.path("futureTopLevelField").asInt()).isEqualTo(42);
        assertThat(result.path("metadata")
                        .path("futureMetadataField")
                        .path("nested")
                        .size())
                .isEqualTo(3);
        assertThat(result.path("spec").path("futureSpecField").path("enabled").asBoolean())
                .isTrue();
        assertThat(result.path("spec")
                        .path("containers")
                        .get(0)
                        .path("futureContainerField")
                        .asText())
                .isEqualTo("x");
        assertThat(result.path("metadata")
                        .path("annotations")
                        .path("example.com/note")
                        .asText())
                .isEqualTo("keep me");
        assertThat(result.path("spec")
                        .path("schedulingGates")
                        .get(0)
                        .path("name")
                        .asText())
                .isEqualTo("example.com/user-gate");
    }

    @Test
    void fiftyConcurrentRequestsForOneSetGetFiftyDistinctOrdinals() throws Exception {
        String ns = namespace();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Callable<String>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                calls.add(() -> mutate(
                                PodFixtures.member("web")
                                        .annotation(OrdinalKeys.POLICY_ANNOTATION, "Parallel")
                                        .build(),
                                ns)
                        .getMetadata()
                        .getName());
            }
            List<String> names = new ArrayList<>();
            for (Future<String> f : pool.invokeAll(calls)) {
                names.add(f.get());
            }
            Set<String> distinct = names.stream().collect(Collectors.toSet());
            assertThat(distinct).as("names %s", names).hasSize(50);
            for (int i = 0; i < 50; i++) {
                assertThat(distinct).contains("web-" + i);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void exportsAdmissionMetricsOnTheManagementPort() {
        mutate(PodFixtures.member("web").build(), namespace());
        String metrics = io.restassured.RestAssured.given()
                .baseUri("http://localhost")
                .port(AdmissionClient.managementPort())
                .when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(metrics)
                .containsPattern("ordinal_admission_requests_total\\{[^}]*decision=\"patched\"[^}]*webhook=\"mutate\"")
                .contains("ordinal_admission_duration_seconds_count{webhook=\"mutate\"}")
                .containsPattern("ordinal_ordinals_assigned_total [1-9]")
                .contains("ordinal_cache_objects{kind=\"pods\"}")
                .contains("ordinal_cache_objects{kind=\"persistentvolumeclaims\"}")
                .contains("ordinal_cache_objects{kind=\"services\"}");
    }

    private Pod mutate(Pod pod, String ns) {
        ObjectNode review = createReview(pod, ns);
        JsonNode response = send("/mutate-pods", review);
        assertThat(response.path("allowed").asBoolean())
                .as("allowed, response %s", response)
                .isTrue();
        return toPod(patched(review, response));
    }

    private void seed(String ns, Pod... pods) {
        for (Pod pod : pods) {
            pod.getMetadata().setNamespace(ns);
            client().pods().inNamespace(ns).resource(pod).create();
        }
        SetKey key = new SetKey(ns, pods[0].getMetadata().getLabels().get(OrdinalKeys.SET_LABEL));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> view.snapshot(key).members().size() == pods.length);
    }

    private KubernetesClient client() {
        return server.getClient();
    }

    private static List<String> gates(Pod pod) {
        return pod.getSpec().getSchedulingGates() == null
                ? List.of()
                : pod.getSpec().getSchedulingGates().stream()
                        .map(PodSchedulingGate::getName)
                        .toList();
    }

    private static String namespace() {
        return "ns-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
