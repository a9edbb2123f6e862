package dev.ordinal.faults;

import static dev.ordinal.support.AdmissionClient.createReview;
import static dev.ordinal.support.AdmissionClient.review;
import static dev.ordinal.support.AdmissionClient.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ordinal.support.AdmissionClient;
import dev.ordinal.support.PodFixtures;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 7, fault 1: the application starts while no API server answers, then the API server appears and answers
 * lists slowly. The application must start, stay unready (naming the lagging caches), answer member creations with a
 * retryable 429 (never a 500), log with backoff, and turn ready once the caches sync. Subclasses run it with and
 * without fabric8's in-request retries.
 */
abstract class ColdStartScenario {

    /** How late the API server answers each list once it is up: a slow API server, not a dead one. */
    static final Duration LIST_DELAY = Duration.ofSeconds(3);

    static final String NS = "cold-start";

    /** How long the API server stays down while the test watches the application. */
    abstract Duration downFor();

    /** Prefix of this variant's figures in target/reliability/faults.txt. */
    abstract String figures();

    /** Most WARN records the application may log while down (3 informers retrying with backoff). */
    abstract int maxWarnings();

    @Test
    void startsUnreadyWithoutAnApiServerDeniesRetryablyAndRecoversWhenItAppearsSlowly() throws Exception {
        FaultyApiServer server = FaultyApiServerResource.server();
        assertThat(server.isUp())
                .as("the API server is down while the application starts")
                .isFalse();
        try (LogCapture logs = LogCapture.install()) {
            long down = System.nanoTime();

            Readiness.Answer ready = Readiness.probe();
            assertThat(ready.status())
                    .as("readiness while no API server answers: %s", ready.caches())
                    .isEqualTo(503);
            assertThat(ready.data("waitingFor")).as("lagging caches").isEqualTo("pods,persistentvolumeclaims,services");
            assertAnswersWithoutCache();

            int reviews = 0;
            while (Figures.since(down).compareTo(downFor()) < 0) {
                assertRetryableSyncDenial(send(
                        "/mutate-pods", createReview(PodFixtures.member("web").build(), NS)));
                reviews++;
                Thread.sleep(500);
            }
            long upAt = System.nanoTime();
            List<LogCapture.Line> whileDown = logs.between(down, upAt);
            Map<String, Long> byLogger = whileDown.stream()
                    .collect(Collectors.groupingBy(
                            l -> l.logger().substring(l.logger().lastIndexOf('.') + 1),
                            TreeMap::new,
                            Collectors.counting()));
            long warnings = whileDown.stream().filter(l -> !l.error()).count();
            long errors = whileDown.stream().filter(LogCapture.Line::error).count();
            Figures.record(figures() + ".down-window", Figures.since(down));
            Figures.record(
                    figures() + ".warn-records-while-down",
                    warnings + " " + byLogger + ", "
                            + whileDown.stream()
                                    .filter(LogCapture.Line::stackTrace)
                                    .count() + " with a stack trace");
            Figures.record(figures() + ".error-records-while-down", Long.toString(errors));
            Figures.record(figures() + ".mutate-reviews-while-down", reviews + ", all 429");
            assertThat(errors).as("ERROR records while down: %s", whileDown).isZero();
            assertThat(warnings)
                    .as("WARN records while down (backoff, not a storm): %s", whileDown)
                    .isLessThanOrEqualTo(maxWarnings());

            // The API server appears, but takes LIST_DELAY to answer each list.
            server.slowLists(LIST_DELAY);
            server.start();
            upAt = System.nanoTime();
            int slowProbes = 0;
            while (true) {
                Readiness.Answer r = Readiness.probe();
                if (r.up()) {
                    break;
                }
                assertThat(r.data("waitingFor"))
                        .as("still waiting for some cache: %s", r.caches())
                        .isNotEmpty();
                JsonNode answer = send(
                        "/mutate-pods", createReview(PodFixtures.member("web").build(), NS));
                if (answer.path("allowed").asBoolean()) {
                    // The caches synced between the probe and the review: readiness must say so too.
                    assertThat(Readiness.probe().up())
                            .as("ready once a member pod was admitted")
                            .isTrue();
                    break;
                }
                assertRetryableSyncDenial(answer);
                slowProbes++;
                assertThat(Figures.since(upAt))
                        .as("time to ready after the API server appeared")
                        .isLessThan(Duration.ofSeconds(60));
                Thread.sleep(100);
            }
            Duration recovery = Figures.since(upAt);
            Figures.record(
                    figures() + ".ready-after-api-server-up",
                    Figures.seconds(recovery) + " (lists answered " + Figures.seconds(LIST_DELAY) + " late; "
                            + slowProbes + " unready probes meanwhile, all 429)");
            assertThat(recovery).as("not ready before the slow list answered").isGreaterThanOrEqualTo(LIST_DELAY);

            JsonNode review = createReview(PodFixtures.member("web").build(), NS);
            JsonNode admitted = send("/mutate-pods", review);
            assertThat(admitted.path("allowed").asBoolean())
                    .as("admitted once synced: %s", admitted)
                    .isTrue();
            assertThat(AdmissionClient.toPod(AdmissionClient.patched(review, admitted))
                            .getMetadata()
                            .getName())
                    .as("an ordinal from the synced cache")
                    .startsWith("web-");
            List<LogCapture.Line> afterUp = logs.between(upAt, System.nanoTime());
            assertThat(afterUp.stream().filter(LogCapture.Line::error))
                    .as("ERROR records after recovery")
                    .isEmpty();
            assertThat(afterUp.stream().filter(l -> !l.error()))
                    .as("WARN records while the lists were slow")
                    .isEmpty();
            Figures.record(figures() + ".warn-records-while-lists-slow", Long.toString(afterUp.size()));
        } finally {
            server.slowLists(Duration.ZERO);
        }
    }

    /** Rules that need no cache still answer: non-members are allowed, UPDATE rules apply. */
    private static void assertAnswersWithoutCache() {
        CacheFreeRules.assertStillApply(NS);
        assertRetryableSyncDenial(
                send("/validate-pods", createReview(PodFixtures.stored("web", 0).build(), NS)));
    }

    static void assertRetryableSyncDenial(JsonNode response) {
        assertThat(response.path("allowed").asBoolean())
                .as("allowed while unsynced: %s", response)
                .isFalse();
        assertThat(response.path("status").path("code").asInt())
                .as("code: %s", response)
                .isEqualTo(429);
        assertThat(response.path("status").path("message").asText())
                .contains("caches are still syncing")
                .contains("Retry later");
    }
}
