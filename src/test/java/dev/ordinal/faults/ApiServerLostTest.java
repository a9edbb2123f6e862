package dev.ordinal.faults;

import static dev.ordinal.support.AdmissionClient.createReview;
import static dev.ordinal.support.AdmissionClient.review;
import static dev.ordinal.support.AdmissionClient.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ordinal.cluster.ClusterCaches;
import dev.ordinal.cluster.ClusterView;
import dev.ordinal.cluster.SetKey;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.support.AdmissionClient;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 7, fault 2: the API server goes away after the caches synced. Admission keeps answering from the cache while
 * the watch has been disconnected for at most {@code ordinal.admission.max-cache-staleness} (3 s here); past it,
 * member creations get a retryable 429 that says how stale the cache is, UPDATE rules keep working and readiness is
 * DOWN; once the API server is back, admission answers normally again.
 */
@QuarkusTest
@TestProfile(FaultsProfile.class)
@WithTestResource(value = FaultyApiServerResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class ApiServerLostTest {

    static final Duration BOUND = Duration.parse("PT" + FaultsProfile.MAX_STALENESS);
    /** How long the API server stays away in total: comfortably past the bound. */
    static final Duration OUTAGE = BOUND.plusSeconds(4);

    @Inject
    ClusterCaches caches;

    @Inject
    ClusterView view;

    @Test
    void answersFromTheCacheWithinTheStalenessBoundThenDeniesRetryablyUntilTheWatchIsBack() throws Exception {
        FaultyApiServer server = FaultyApiServerResource.server();
        server.start();
        await().atMost(Duration.ofSeconds(60))
                .until(() ->
                        caches.synced() && caches.staleness().disconnected().isEmpty());
        Cluster cluster = new Cluster(server.client());
        String ns = Cluster.namespace();
        cluster.create(ns, PodFixtures.stored("web", 0).ready().build());
        await().atMost(Duration.ofSeconds(20))
                .until(() -> view.snapshot(new SetKey(ns, "web")).holder(0).isPresent());
        // Warm the HTTPS client up (the first request of a run can take seconds), so the next ones time the app.
        send(
                "/mutate-pods",
                createReview(
                        PodFixtures.member("warm")
                                .withoutLabel(OrdinalKeys.SET_LABEL)
                                .build(),
                        ns));

        try (LogCapture logs = LogCapture.install()) {
            server.stop();
            long lost = System.nanoTime();

            // Within the bound: answered from the cache, as before.
            ObjectNode review = createReview(PodFixtures.member("web").build(), ns);
            JsonNode mutated = send("/mutate-pods", review);
            Duration cachedAnswerAt = Figures.since(lost);
            assertThat(cachedAnswerAt)
                    .as("still within the bound when asked (a very slow machine?)")
                    .isLessThan(BOUND);
            assertThat(mutated.path("allowed").asBoolean())
                    .as("within the bound: %s", mutated)
                    .isTrue();
            Pod pod = AdmissionClient.toPod(AdmissionClient.patched(review, mutated));
            assertThat(pod.getMetadata().getName())
                    .as("next ordinal from the cache")
                    .isEqualTo("web-1");
            assertThat(pod.getSpec().getSchedulingGates())
                    .as("web-0 is Ready in the cache: no ordered gate")
                    .isEmpty();
            JsonNode validated = send("/validate-pods", createReview(pod, ns));
            assertThat(validated.path("allowed").asBoolean())
                    .as("validated within the bound: %s", validated)
                    .isTrue();

            // Past the bound: member creations are denied with a retryable 429 that says why.
            JsonNode denied;
            while (true) {
                denied = send(
                        "/mutate-pods", createReview(PodFixtures.member("web").build(), ns));
                if (!denied.path("allowed").asBoolean()) {
                    break;
                }
                assertThat(Figures.since(lost))
                        .as("time until the first denial")
                        .isLessThan(BOUND.plusSeconds(10));
                Thread.sleep(100);
            }
            Duration firstDenialAt = Figures.since(lost);
            assertStaleDenial(denied, "an ordinal and the start order cannot be chosen safely");
            // Staleness counts from the last sample (every second) that saw the watch connected: up to 1 s early.
            assertThat(firstDenialAt).as("denied only past the bound").isGreaterThanOrEqualTo(BOUND.minusSeconds(1));
            assertStaleDenial(
                    send(
                            "/validate-pods",
                            createReview(PodFixtures.stored("web", 5).build(), ns)),
                    "cannot be checked against set web");
            CacheFreeRules.assertStillApply(ns);
            Readiness.Answer unready = Readiness.probe();
            assertThat(unready.status())
                    .as("readiness past the bound: %s", unready.caches())
                    .isEqualTo(503);
            assertThat(unready.data("disconnected")).contains("pods=").contains("persistentvolumeclaims=");
            assertThat(unready.caches().path("data").path("staleSeconds").asLong())
                    .isGreaterThanOrEqualTo(BOUND.toSeconds());
            Figures.record(
                    "2-api-server-lost.bound",
                    Figures.seconds(BOUND) + " (ordinal.admission.max-cache-staleness under test; default 60 s)");
            Figures.record("2-api-server-lost.first-429-after-loss", Figures.seconds(firstDenialAt));
            Figures.record(
                    "2-api-server-lost.message",
                    denied.path("status").path("message").asText());

            while (Figures.since(lost).compareTo(OUTAGE) < 0) {
                Thread.sleep(100);
            }
            Duration outage = Figures.since(lost);
            server.start();
            long back = System.nanoTime();
            JsonNode answer;
            while (true) {
                answer = send(
                        "/mutate-pods", createReview(PodFixtures.member("web").build(), ns));
                if (answer.path("allowed").asBoolean()) {
                    break;
                }
                assertThat(answer.path("status").path("code").asInt())
                        .as("while reconnecting: %s", answer)
                        .isEqualTo(429);
                assertThat(Figures.since(back))
                        .as("time to answer normally again")
                        .isLessThan(Duration.ofSeconds(45));
                Thread.sleep(100);
            }
            Duration admitting = Figures.since(back);
            await().atMost(Duration.ofSeconds(10)).until(() -> Readiness.probe().up());
            Duration ready = Figures.since(back);
            List<LogCapture.Line> logged = logs.lines();
            Figures.record(
                    "2-api-server-lost.warn-error-records",
                    logged.size() + " "
                            + logged.stream()
                                    .map(l -> l.level() + " "
                                            + l.logger().substring(l.logger().lastIndexOf('.') + 1))
                                    .collect(Collectors.groupingBy(l -> l, TreeMap::new, Collectors.counting())));
            assertThat(logged)
                    .as("WARN/ERROR records over the outage: one WARN per decision cache")
                    .hasSizeLessThanOrEqualTo(2);
            Figures.record("2-api-server-lost.outage", Figures.seconds(outage));
            Figures.record("2-api-server-lost.admitting-again-after-api-server-up", Figures.seconds(admitting));
            Figures.record("2-api-server-lost.ready-again-after-api-server-up", Figures.seconds(ready));
        }
    }

    private static void assertStaleDenial(JsonNode denied, String consequence) {
        assertThat(denied.path("allowed").asBoolean()).as("denied: %s", denied).isFalse();
        assertThat(denied.path("status").path("code").asInt())
                .as("retryable: %s", denied)
                .isEqualTo(429);
        assertThat(denied.path("status").path("message").asText())
                .contains("Ordinal's cache is stale")
                .contains("has been disconnected from the API server for")
                .contains("ordinal.admission.max-cache-staleness (" + BOUND.toSeconds() + " s)")
                .contains(consequence)
                .endsWith("Retry later");
    }
}
