package dev.ordinal.admission;

import static dev.ordinal.support.AdmissionClient.createReview;
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
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The webhook's live list (identity.CacheLag, {@code ordinal.admission.live-check}) over HTTPS: the cache shows
 * {@code web-0} and {@code web-1} live, the API server's list (an expectation on the mock server) says otherwise, and a
 * ReplicaSet's pod that would grow the set to {@code web-2} is refused with 429 until the two agree. The list runs off
 * the event loop and the review completes from there, so these also cover that path end to end.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(LiveCheckTest.LiveCheckOn.class)
class LiveCheckTest {

    public static class LiveCheckOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ordinal.admission.live-check", "true");
        }
    }

    @KubernetesTestServer
    KubernetesServer server;

    @Inject
    ClusterView view;

    @Test
    void aMemberGoneFromTheApiServerButLiveInTheCacheMakesAGrowingPodRetry() {
        String ns = namespace();
        Pod web0 = stored(ns, 0);
        cached(ns, stored(ns, 1));
        liveListOnce(ns, web0);

        JsonNode refused = send("/mutate-pods", review(ns));
        assertThat(refused.path("allowed").asBoolean())
                .as("response %s", refused)
                .isFalse();
        assertThat(refused.path("status").path("code").asInt()).isEqualTo(429);
        assertThat(refused.path("status").path("message").asText())
                .contains("web-1 was deleted moments ago")
                .contains("would have taken web-2");

        // The API server's list agrees with the cache again: admitted, and the refused review's hold on web-2 is gone.
        assertThat(mutated(ns).getMetadata().getName()).isEqualTo("web-2");
    }

    @Test
    void aMemberTerminatingInTheApiServerButLiveInTheCacheMakesAGrowingPodRetry() {
        String ns = namespace();
        Pod web0 = stored(ns, 0);
        Pod web1 = cached(ns, stored(ns, 1));
        web1.getMetadata().setDeletionTimestamp(Instant.now().toString());
        liveListOnce(ns, web0, web1);

        JsonNode refused = send("/mutate-pods", review(ns));
        assertThat(refused.path("status").path("code").asInt())
                .as("response %s", refused)
                .isEqualTo(429);
    }

    @Test
    void aPodWithoutAControllerIsNotListedLive() {
        String ns = namespace();
        Pod web0 = stored(ns, 0);
        cached(ns, stored(ns, 1));
        liveListOnce(ns, web0); // would refuse a controller's pod; this one has no controller, so it is not asked

        ObjectNode review = createReview(PodFixtures.member("web").build(), ns);
        JsonNode response = send("/mutate-pods", review);
        assertThat(toPod(patched(review, response)).getMetadata().getName()).isEqualTo("web-2");
    }

    private Pod stored(String ns, int n) {
        Pod pod = PodFixtures.stored("web", n)
                .ownedBy("ReplicaSet", "web-rs")
                .ready()
                .build();
        pod.getMetadata().setNamespace(ns);
        return server.getClient().pods().inNamespace(ns).resource(pod).create();
    }

    /** {@code last}, once the cache shows web-0 and web-1 (stored in that order). */
    private Pod cached(String ns, Pod last) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> view.snapshot(new SetKey(ns, "web")).members().size() == 2);
        return last;
    }

    /** The next live list of set web in {@code ns} returns exactly {@code pods}; later ones read the store again. */
    private void liveListOnce(String ns, Pod... pods) {
        server.expect()
                .get()
                .withPath("/api/v1/namespaces/" + ns + "/pods?labelSelector="
                        + URLEncoder.encode(OrdinalKeys.SET_LABEL + "=web", StandardCharsets.UTF_8))
                .andReturn(
                        200,
                        new PodListBuilder()
                                .withNewMetadata()
                                .withResourceVersion("1")
                                .endMetadata()
                                .withItems(pods)
                                .build())
                .once();
    }

    private static ObjectNode review(String ns) {
        return createReview(
                PodFixtures.member("web").ownedBy("ReplicaSet", "web-rs").build(), ns);
    }

    private static Pod mutated(String ns) {
        ObjectNode review = review(ns);
        JsonNode response = send("/mutate-pods", review);
        assertThat(response.path("allowed").asBoolean())
                .as("allowed, response %s", response)
                .isTrue();
        return toPod(patched(review, response));
    }

    private static String namespace() {
        return "ns-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
