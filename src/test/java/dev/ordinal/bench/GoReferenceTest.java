package dev.ordinal.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ordinal.support.AdmissionClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stdlib Go webhook that {@code make bench} compares Ordinal with still does Ordinal's work: built with the
 * machine's {@code go} (which CI needs for the real control plane anyway), started, and checked with
 * {@link GoReference#verify} on the benchmark's reviews, so a change to Ordinal's mutation that the reference does
 * not follow fails here and not only in a benchmark run. Also: verify refuses what it must refuse.
 */
class GoReferenceTest {

    static final int READY = 10;

    static GoReference go;
    static Bench bench;

    @BeforeAll
    static void start() throws Exception {
        java.nio.file.Files.createDirectories(Bench.OUT);
        go = GoReference.start(
                GoReference.build(Bench.OUT.resolve("go-build-test.log")),
                Bench.CERTS,
                Map.of(Bench.namespace(READY), READY),
                Bench.OUT.resolve("go-webhook-test.log"));
        go.awaitReady(Duration.ofSeconds(30));
        bench = new Bench();
        bench.baseUrl = go.url();
    }

    @AfterAll
    static void stop() throws Exception {
        if (go != null) {
            go.close();
        }
    }

    static List<Bench.Case> servedCases() {
        return bench.allCases().stream().filter(Bench::servedByGo).toList();
    }

    @Test
    void servesTheMutationsThatGiveANewOrdinal() {
        assertThat(servedCases())
                .extracting(Bench.Case::scenario)
                .containsExactly("mutate generateName (new ordinal)", "mutate with volume");
    }

    @Test
    void patchesTheBenchmarksPodsIntoWhatOrdinalsRulesMake() throws Exception {
        for (Bench.Case c : servedCases()) {
            // The second review gets the next ordinal, the first one being held, and waits for it: the ordered gate.
            for (int i = 0; i < 2; i++) {
                ObjectNode review = c.review().apply(READY);
                GoReference.verify(AdmissionClient.MAPPER, review, bench.post(c, review), READY);
            }
        }
    }

    @Test
    void theNoopAdmitsUnchanged() throws Exception {
        Bench.Case noop = bench.noopCase();
        JsonNode response = bench.post(noop, noop.review().apply(READY)).path("response");
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.has("patch")).isFalse();
    }

    @Test
    void verifyRefusesAPatchThatMakesAnotherPod() throws Exception {
        Bench.Case mutate = servedCases().get(0);
        ObjectNode review = mutate.review().apply(READY);
        ObjectNode answer = (ObjectNode) bench.post(mutate, review);
        ObjectNode response = (ObjectNode) answer.path("response");
        ArrayNode patch = (ArrayNode) AdmissionClient.MAPPER.readTree(
                Base64.getDecoder().decode(response.path("patch").asText()));
        patch.remove(patch.size() - 1); // the subdomain
        response.put(
                "patch", Base64.getEncoder().encodeToString(patch.toString().getBytes(StandardCharsets.UTF_8)));

        assertThatThrownBy(() -> GoReference.verify(AdmissionClient.MAPPER, review, answer, READY))
                .hasMessageContaining("but Ordinal's makes");
    }

    @Test
    void verifyRefusesAnOrdinalThatAReadyPodHolds() throws Exception {
        Bench.Case mutate = servedCases().get(0);
        ObjectNode review = mutate.review().apply(READY);
        JsonNode answer = bench.post(mutate, review);

        assertThatThrownBy(() -> GoReference.verify(AdmissionClient.MAPPER, review, answer, 1_000))
                .hasMessageContaining("held by a Ready pod");
    }
}
