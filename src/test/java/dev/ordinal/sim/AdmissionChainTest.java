package dev.ordinal.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API server stand-in on its own, with in-process webhooks: the order of admission, re-invocation, failure
 * policy and timeout, the API server's wording, update and graceful delete rules.
 */
class AdmissionChainTest {

    private static SimApiServer api;
    private static KubernetesClient store;

    @BeforeAll
    static void startApiServer() {
        api = SimApiServer.start();
        store = api.client();
    }

    @AfterAll
    static void stopApiServer() {
        api.close();
    }

    @Test
    void generatesANameOnlyWhenNoWebhookSetOne() {
        String ns = namespace();
        AdmissionChain plain = new AdmissionChain(store, List.of());
        Pod generated =
                plain.create(ns, pod("web-abc12-"), Requester.ADMIN, false).pod();
        assertThat(generated.getMetadata().getName())
                .as("generated name")
                .matches("web-abc12-[bcdfghjklmnpqrstvwxz2456789]{5}");

        AdmissionChain naming = new AdmissionChain(store, List.of(mutating("namer", false, o -> setName(o, "web-7"))));
        assertThat(naming.create(ns, pod("web-abc12-"), Requester.ADMIN, false)
                        .pod()
                        .getMetadata()
                        .getName())
                .isEqualTo("web-7");
    }

    @Test
    void reviewsCarryWhatTheApiServerSendsAndValidationSeesTheGeneratedName() {
        List<JsonNode> requests = new CopyOnWriteArrayList<>();
        InProcessWebhook recorder = InProcessWebhook.answering(request -> {
            requests.add(request);
            return new com.fasterxml.jackson.databind.ObjectMapper()
                    .createObjectNode()
                    .put("uid", request.path("uid").asText())
                    .put("allowed", true);
        });
        String ns = namespace();
        new AdmissionChain(
                        store,
                        List.of(
                                WebhookRegistration.otherMutating("m", recorder, false),
                                new WebhookRegistration(
                                        "v",
                                        false,
                                        "/v",
                                        Set.of("CREATE"),
                                        recorder,
                                        Duration.ofSeconds(5),
                                        true,
                                        false,
                                        labels -> true,
                                        n -> true,
                                        WebhookRegistration.EVERY_REQUEST)))
                .create(ns, pod("web-abc12-"), Requester.REPLICASET_CONTROLLER, false);
        JsonNode mutate = requests.get(0);
        JsonNode validate = requests.get(1);
        assertThat(mutate.path("uid").asText())
                .isNotEqualTo(validate.path("uid").asText());
        for (JsonNode r : requests) {
            assertThat(r.path("name").asText("x"))
                    .as("request name of a generateName create")
                    .isEmpty();
            assertThat(r.path("namespace").asText()).isEqualTo(ns);
            assertThat(r.path("kind").toString()).isEqualTo("{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"}");
            assertThat(r.path("requestResource").path("resource").asText()).isEqualTo("pods");
            assertThat(r.path("userInfo").path("username").asText())
                    .isEqualTo("system:serviceaccount:kube-system:replicaset-controller");
            assertThat(r.path("options").path("kind").asText()).isEqualTo("CreateOptions");
            assertThat(r.path("dryRun").asBoolean(true)).isFalse();
            assertThat(r.path("oldObject").isNull()).isTrue();
        }
        assertThat(mutate.path("object").path("metadata").path("name").isMissingNode())
                .as("no name yet")
                .isTrue();
        assertThat(mutate.path("object").path("metadata").path("namespace").asText())
                .isEqualTo(ns);
        assertThat(validate.path("object").path("metadata").path("name").asText())
                .startsWith("web-abc12-");
        assertThat(validate.path("object").path("metadata").path("uid").asText())
                .isNotEmpty();
    }

    @Test
    void storesDefaultedPodsAsPending() {
        Pod stored = new AdmissionChain(store, List.of())
                .create(namespace(), pod("web-"), Requester.ADMIN, false)
                .pod();
        assertThat(stored.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(stored.getSpec().getRestartPolicy()).isEqualTo("Always");
        assertThat(stored.getSpec().getVolumes())
                .as("ServiceAccount plugin's token volume")
                .anySatisfy(v -> assertThat(v.getName()).startsWith("kube-api-access-"));
        assertThat(stored.getMetadata().getUid()).isNotBlank();
    }

    @Test
    void failsWithAlreadyExistsWhenTheNameIsTaken() {
        String ns = namespace();
        AdmissionChain chain = new AdmissionChain(store, List.of(mutating("namer", false, o -> setName(o, "web-0"))));
        chain.create(ns, pod("web-"), Requester.ADMIN, false);
        ApiException e =
                catchThrowableOfType(ApiException.class, () -> chain.create(ns, pod("web-"), Requester.ADMIN, false));
        assertThat(e.code()).isEqualTo(409);
        assertThat(e.reason()).isEqualTo("AlreadyExists");
        assertThat(e.getMessage()).isEqualTo("pods \"web-0\" already exists");
    }

    @Test
    void reinvokesAnIfNeededWebhookOnceWhenALaterWebhookChangedTheObject() {
        InProcessWebhook first = InProcessWebhook.mutating(o -> label(o, "first", "yes"));
        InProcessWebhook second = InProcessWebhook.mutating(o -> label(o, "second", "yes"));
        AdmissionChain chain = new AdmissionChain(
                store,
                List.of(
                        WebhookRegistration.otherMutating("first.example.com", first, true),
                        WebhookRegistration.otherMutating("second.example.com", second, true)));
        Pod stored =
                chain.create(namespace(), pod("web-"), Requester.ADMIN, false).pod();
        assertThat(stored.getMetadata().getLabels())
                .containsEntry("first", "yes")
                .containsEntry("second", "yes");
        assertThat(first.calls())
                .as("first: invoked, then re-invoked once after second changed the pod")
                .isEqualTo(2);
        assertThat(second.calls()).as("second: nothing changed after it").isEqualTo(1);
        assertThat(chain.calls())
                .filteredOn(AdmissionChain.WebhookCall::reinvocation)
                .extracting(AdmissionChain.WebhookCall::webhook)
                .containsExactly("first.example.com");
    }

    @Test
    void doesNotReinvokeWhenNothingChangedAfterTheWebhookOrItsPolicyIsNever() {
        InProcessWebhook ifNeeded = InProcessWebhook.mutating(o -> label(o, "a", "1"));
        InProcessWebhook never = InProcessWebhook.mutating(o -> label(o, "b", "1"));
        InProcessWebhook noop = InProcessWebhook.mutating(o -> o);
        new AdmissionChain(
                        store,
                        List.of(
                                WebhookRegistration.otherMutating("never.example.com", never, false),
                                WebhookRegistration.otherMutating("if-needed.example.com", ifNeeded, true),
                                WebhookRegistration.otherMutating("noop.example.com", noop, true)))
                .create(namespace(), pod("web-"), Requester.ADMIN, false);
        assertThat(List.of(never.calls(), ifNeeded.calls(), noop.calls())).containsExactly(1, 1, 1);
    }

    @Test
    void denialsReadLikeTheApiServerWithTheWebhooksCode() {
        AdmissionChain chain = new AdmissionChain(
                store,
                List.of(WebhookRegistration.otherMutating(
                        "policy.example.com",
                        InProcessWebhook.denying(429, "TooManyRequests", "web-1 waits for web-0. Retry later"),
                        true)));
        ApiException e = catchThrowableOfType(
                ApiException.class, () -> chain.create(namespace(), pod("web-"), Requester.ADMIN, false));
        assertThat(e.code()).isEqualTo(429);
        assertThat(e.getMessage())
                .isEqualTo("admission webhook \"policy.example.com\" denied the request:"
                        + " web-1 waits for web-0. Retry later");

        AdmissionChain lowCode = new AdmissionChain(
                store,
                List.of(WebhookRegistration.otherMutating(
                        "low.example.com", InProcessWebhook.denying(200, "", ""), true)));
        ApiException low = catchThrowableOfType(
                ApiException.class, () -> lowCode.create(namespace(), pod("web-"), Requester.ADMIN, false));
        assertThat(low.code()).as("a rejection never has a code below 400").isEqualTo(400);
        assertThat(low.getMessage()).endsWith("denied the request without explanation");
    }

    @Test
    void failClosedWebhookErrorsFailTheRequestAndIgnoreSkipsThem() {
        InProcessWebhook broken =
                InProcessWebhook.answering(request -> new com.fasterxml.jackson.databind.ObjectMapper()
                        .createObjectNode()
                        .put("uid", "not-" + request.path("uid").asText())
                        .put("allowed", true));
        WebhookRegistration fail = WebhookRegistration.otherMutating("broken.example.com", broken, false);
        ApiException e = catchThrowableOfType(
                ApiException.class,
                () -> new AdmissionChain(store, List.of(fail))
                        .create(namespace(), pod("web-"), Requester.ADMIN, false));
        assertThat(e.code()).isEqualTo(500);
        assertThat(e.reason()).isEqualTo("InternalError");
        assertThat(e.getMessage())
                .startsWith("Internal error occurred: failed calling webhook \"broken.example.com\":"
                        + " expected response.uid=");

        Pod stored = new AdmissionChain(store, List.of(fail.withFailClosed(false)))
                .create(namespace(), pod("web-"), Requester.ADMIN, false)
                .pod();
        assertThat(stored.getMetadata().getUid()).isNotBlank();
    }

    @Test
    void aWebhookThatDoesNotAnswerWithinTimeoutSecondsFailsTheRequest() throws Exception {
        assertThat(WebhookRegistration.ordinalMutating(InProcessWebhook.slow(Duration.ZERO))
                        .timeout())
                .as("deploy/base timeoutSeconds")
                .isEqualTo(Duration.ofSeconds(5));
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // accepts, never speaks TLS
                    }
                } catch (IOException closed) {
                    // done
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            HttpsWebhookBackend https = new HttpsWebhookBackend(
                    testCa(), List.of(URI.create("https://localhost:" + silent.getLocalPort())));
            AdmissionChain chain = new AdmissionChain(
                    store, List.of(WebhookRegistration.ordinalMutating(https).withTimeout(Duration.ofSeconds(1))));
            long started = System.nanoTime();
            ApiException e = catchThrowableOfType(
                    ApiException.class,
                    () -> chain.create(
                            namespace(), PodTemplates.member("web", Map.of()), Requester.REPLICASET_CONTROLLER, false));
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(e.code()).isEqualTo(500);
            assertThat(e.getMessage())
                    .contains("failed calling webhook \"mutate.pods.ordinal.dev\"")
                    .contains("?timeout=1s")
                    .contains("context deadline exceeded");
            assertThat(tookMillis).as("took %d ms", tookMillis).isBetween(900L, 4000L);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void theObjectSelectorKeepsPodsWithoutTheSetLabelAwayFromOrdinal() {
        InProcessWebhook ordinal = InProcessWebhook.denying(403, "Forbidden", "should not be called");
        AdmissionChain chain = new AdmissionChain(store, List.of(WebhookRegistration.ordinalMutating(ordinal)));
        chain.create(namespace(), pod("plain-"), Requester.ADMIN, false);
        chain.create("kube-system", PodTemplates.member("sys", Map.of()), Requester.ADMIN, false);
        assertThat(ordinal.calls()).isZero();
    }

    /** deploy/base's matchConditions: the controller's own UPDATEs are not sent to the validating webhook. */
    @Test
    void theValidatingWebhookSkipsOnlyTheControllersOwnUpdates() {
        InProcessWebhook ordinal = InProcessWebhook.warning("reviewed");
        AdmissionChain chain = new AdmissionChain(store, List.of(WebhookRegistration.ordinalValidating(ordinal)));
        Requester controller = Requester.serviceAccount("ordinal-system", "ordinal");
        assertThat(controller.username()).isEqualTo(WebhookRegistration.CONTROLLER_USER);
        String ns = namespace();
        Pod stored = chain.create(ns, PodTemplates.member("web", Map.of()), controller, false)
                .pod();
        assertThat(ordinal.calls()).as("the controller's CREATE is reviewed").isEqualTo(1);

        stored = chain.update(ns, relabelled(stored, "one"), controller, false).pod();
        assertThat(ordinal.calls()).as("the controller's UPDATE is not").isEqualTo(1);

        chain.update(ns, relabelled(stored, "two"), Requester.ADMIN, false);
        assertThat(ordinal.calls()).as("anyone else's UPDATE is").isEqualTo(2);
    }

    private static Pod relabelled(Pod pod, String value) {
        return new PodBuilder(pod)
                .editMetadata()
                .addToLabels("edit", value)
                .endMetadata()
                .build();
    }

    @Test
    void collectsWarningsFromEveryWebhook() {
        AdmissionChain chain = new AdmissionChain(
                store,
                List.of(
                        WebhookRegistration.otherMutating("one.example.com", InProcessWebhook.warning("first"), false),
                        WebhookRegistration.ordinalValidating(InProcessWebhook.warning("second"))));
        assertThat(chain.create(namespace(), PodTemplates.member("web", Map.of()), Requester.ADMIN, false)
                        .warnings())
                .containsExactly("first", "second");
    }

    @Test
    void dryRunRunsAdmissionAndStoresNothing() {
        String ns = namespace();
        InProcessWebhook namer = InProcessWebhook.mutating(o -> setName(o, "web-0"));
        AdmissionChain chain = new AdmissionChain(store, List.of(WebhookRegistration.otherMutating("n", namer, false)));
        Pod answered = chain.create(ns, pod("web-"), Requester.ADMIN, true).pod();
        assertThat(answered.getMetadata().getName()).isEqualTo("web-0");
        assertThat(namer.calls()).isEqualTo(1);
        assertThat(store.pods().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(chain.calls()).allMatch(AdmissionChain.WebhookCall::dryRun);
    }

    @Test
    void updatesSeeTheOldObjectAndMayOnlyRemoveSchedulingGates() {
        String ns = namespace();
        List<JsonNode> seenOld = new ArrayList<>();
        InProcessWebhook validator = InProcessWebhook.answering(request -> {
            seenOld.add(request.path("oldObject"));
            return new com.fasterxml.jackson.databind.ObjectMapper()
                    .createObjectNode()
                    .put("uid", request.path("uid").asText())
                    .put("allowed", true);
        });
        AdmissionChain chain = new AdmissionChain(store, List.of(WebhookRegistration.ordinalValidating(validator)));
        Pod gated = new PodBuilder(PodTemplates.named("web", "web-0", Map.of()))
                .editSpec()
                .addNewSchedulingGate("example.com/a")
                .addNewSchedulingGate("example.com/b")
                .endSpec()
                .build();
        Pod stored = chain.create(ns, gated, Requester.ADMIN, false).pod();

        Pod relabelled = new PodBuilder(stored)
                .editMetadata()
                .addToLabels("tier", "db")
                .endMetadata()
                .editSpec()
                .removeMatchingFromSchedulingGates(g -> g.getName().equals("example.com/a"))
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .endStatus()
                .build();
        Pod updated = chain.update(ns, relabelled, Requester.ADMIN, false).pod();
        assertThat(updated.getMetadata().getLabels()).containsEntry("tier", "db");
        assertThat(SetInvariants.gates(updated)).containsExactly("example.com/b");
        assertThat(updated.getStatus().getPhase())
                .as("status changes go to pods/status, not here")
                .isEqualTo("Pending");
        assertThat(seenOld.get(seenOld.size() - 1).path("metadata").path("name").asText())
                .isEqualTo("web-0");

        Pod addsGate = new PodBuilder(updated)
                .editSpec()
                .addNewSchedulingGate("example.com/c")
                .endSpec()
                .build();
        assertThatThrownBy(() -> chain.update(ns, addsGate, Requester.ADMIN, false))
                .isInstanceOf(ApiException.class)
                .hasMessageContaining("only deletion is allowed");
        Pod changesSpec = new PodBuilder(updated)
                .editSpec()
                .withHostname("other")
                .endSpec()
                .build();
        assertThatThrownBy(() -> chain.update(ns, changesSpec, Requester.ADMIN, false))
                .isInstanceOf(ApiException.class)
                .hasMessageContaining("pod updates may not change fields");
        assertThatThrownBy(() -> chain.update(ns, stored, Requester.ADMIN, false))
                .as("stale resourceVersion")
                .isInstanceOf(ApiException.class)
                .hasMessageContaining("has been modified");
    }

    @Test
    void deletesAnUnboundPodAtOnceAndABoundOneGracefully() {
        String ns = namespace();
        AdmissionChain chain = new AdmissionChain(store, List.of());
        chain.create(ns, PodTemplates.named("web", "web-0", Map.of()), Requester.ADMIN, false);
        chain.delete(ns, "web-0", null, null, Requester.ADMIN, false);
        assertThat(store.pods().inNamespace(ns).withName("web-0").get())
                .as("unbound: no grace")
                .isNull();

        Pod bound = chain.create(ns, PodTemplates.named("web", "web-1", Map.of()), Requester.ADMIN, false)
                .pod();
        store.pods()
                .inNamespace(ns)
                .withName("web-1")
                .patch(
                        PatchContext.of(PatchType.JSON),
                        "[{\"op\":\"add\",\"path\":\"/spec/nodeName\",\"value\":\"n1\"}]");
        Pod terminating = chain.delete(ns, "web-1", null, null, Requester.ADMIN, false);
        assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotNull();
        assertThat(terminating.getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(30L);
        assertThat(store.pods().inNamespace(ns).withName("web-1").get())
                .as("still there, terminating")
                .isNotNull();

        assertThatThrownBy(() -> chain.delete(ns, "web-1", 0L, "some-other-uid", Requester.KUBELET, false))
                .as("uid precondition")
                .isInstanceOf(ApiException.class)
                .hasMessageContaining("Precondition failed");
        chain.delete(ns, "web-1", 0L, bound.getMetadata().getUid(), Requester.KUBELET, false);
        assertThat(store.pods().inNamespace(ns).withName("web-1").get())
                .as("final delete")
                .isNull();
    }

    @Test
    void aPodWithAnotherFinalizerStaysTerminatingAfterTheFinalDelete() {
        String ns = namespace();
        AdmissionChain chain = new AdmissionChain(store, List.of());
        Pod held = new PodBuilder(PodTemplates.named("web", "web-0", Map.of()))
                .editMetadata()
                .addToFinalizers("example.com/hold")
                .endMetadata()
                .build();
        Pod stored = chain.create(ns, held, Requester.ADMIN, false).pod();
        chain.delete(ns, "web-0", 0L, stored.getMetadata().getUid(), Requester.KUBELET, false);
        Pod left = store.pods().inNamespace(ns).withName("web-0").get();
        assertThat(left.getMetadata().getDeletionTimestamp()).isNotNull();
        assertThat(left.getMetadata().getFinalizers()).containsExactly("example.com/hold");
    }

    @Test
    void aFailedJsonPatchTestIsAnsweredWith422() {
        String ns = namespace();
        new AdmissionChain(store, List.of())
                .create(ns, PodTemplates.named("web", "web-0", Map.of()), Requester.ADMIN, false);
        assertThatThrownBy(() -> store.pods()
                        .inNamespace(ns)
                        .withName("web-0")
                        .patch(
                                PatchContext.of(PatchType.JSON),
                                "[{\"op\":\"test\",\"path\":\"/metadata/name\",\"value\":\"other\"}]"))
                .isInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class)
                .satisfies(e -> assertThat(((io.fabric8.kubernetes.client.KubernetesClientException) e).getCode())
                        .isEqualTo(422));
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static WebhookRegistration mutating(
            String name,
            boolean reinvoke,
            java.util.function.UnaryOperator<com.fasterxml.jackson.databind.node.ObjectNode> mutation) {
        return WebhookRegistration.otherMutating(name, InProcessWebhook.mutating(mutation), reinvoke);
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode setName(
            com.fasterxml.jackson.databind.node.ObjectNode o, String name) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) o.get("metadata")).put("name", name);
        return o;
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode label(
            com.fasterxml.jackson.databind.node.ObjectNode o, String key, String value) {
        com.fasterxml.jackson.databind.node.ObjectNode meta =
                (com.fasterxml.jackson.databind.node.ObjectNode) o.get("metadata");
        (meta.has("labels")
                        ? (com.fasterxml.jackson.databind.node.ObjectNode) meta.get("labels")
                        : meta.putObject("labels"))
                .put(key, value);
        return o;
    }

    /** A pod labelled {@code app: web} but of no set. */
    private static Pod pod(String generateName) {
        return PodFixtures.member("web")
                .withoutLabel(OrdinalKeys.SET_LABEL)
                .generateName(generateName)
                .build();
    }

    static Path testCa() {
        return Path.of("src/test/resources/tls/tls.crt");
    }

    private static String namespace() {
        return "chain-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
