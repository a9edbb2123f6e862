package dev.ordinal.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ordinal.support.AdmissionClient;
import dev.ordinal.support.PodFixtures;
import dev.ordinal.support.TrustAll;
import io.fabric8.zjsonpatch.JsonPatch;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Thousands of seeded, mutated AdmissionReviews against both webhooks (issue 7). For every answer: no HTTP 5xx, no
 * hang, HTTP 400 only for a body that is not an AdmissionReview and HTTP 200 otherwise, the uid echoed, never an
 * internal error (allowed=false with code 500), no stack trace, and any patch applies cleanly to the object. Heap
 * growth over the run stays under {@link #MAX_HEAP_GROWTH_BYTES}. A failure names the seed and the input's index:
 * re-run with {@code -Dfuzz.seed=<seed>} to reproduce. {@code -Dlong.tests=true} runs 50,000 inputs instead of 3,000.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class HostileInputTest {

    static final boolean LONG = Boolean.getBoolean("long.tests");
    static final int INPUTS = Integer.getInteger("fuzz.inputs", LONG ? 50_000 : 3_000);
    static final long SEED = Long.getLong("fuzz.seed", 20_261_128L);
    static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Allowed growth of the used heap (after a full GC) over the run. What legitimately stays: reservations of
     * generateName ordinals (15 s each, a few hundred), one small cache entry per set key seen, meters. A leak of
     * request bodies (the run sends gigabytes) would blow far past it.
     */
    static final long MAX_HEAP_GROWTH_BYTES = 64L * 1024 * 1024;

    static final Path REPORT_DIR = Path.of("target/reliability");

    private final HttpClient http = TrustAll.httpClient();

    @Test
    void answersEveryMutatedReviewWithoutInternalErrorsHangsOrLeaks() throws Exception {
        // Warm up with other inputs so class loading, JIT and meters created on first use are not counted as growth.
        ReviewFuzzer warmUp = new ReviewFuzzer(SEED ^ 0x5EED);
        for (int i = 0; i < 200; i++) {
            check(warmUp.next(i), new Stats(), new ArrayList<>());
        }
        long heapBefore = usedHeapAfterGc();
        deleteOldFailures();

        ReviewFuzzer fuzzer = new ReviewFuzzer(SEED);
        Stats stats = new Stats();
        List<String> failures = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < INPUTS; i++) {
            check(fuzzer.next(i), stats, failures);
        }
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        long heapAfter = usedHeapAfterGc();
        long growth = heapAfter - heapBefore;

        String summary = stats.summary(INPUTS, SEED, elapsedMillis, heapBefore, heapAfter);
        System.out.println(summary);
        Files.createDirectories(REPORT_DIR);
        Files.writeString(REPORT_DIR.resolve(LONG ? "fuzz-long.txt" : "fuzz.txt"), summary + "\n");

        assertThat(failures)
                .as(
                        "inputs that broke a rule (seed %d); first ones saved in %s",
                        SEED, REPORT_DIR.resolve("fuzz-failures"))
                .isEmpty();
        assertThat(growth)
                .as("heap growth after GC over %d inputs, bytes", INPUTS)
                .isLessThan(MAX_HEAP_GROWTH_BYTES);
    }

    /**
     * Each (namespace, set) a generateName review names gets a small piece of state (its reservation) in the cluster
     * index until the reservation expires (then a sweep drops it, see SetIndexTest). The namespace must be a DNS
     * label, so each piece is small; this measures it while held and bounds it at {@link #MAX_BYTES_PER_SET_KEY}.
     */
    @Test
    void retainsOnlyASmallEntryPerSetKeyAReviewNames() throws Exception {
        int keys = LONG ? 50_000 : 4_000;
        for (int i = 0; i < 100; i++) {
            send(distinctNamespaceReview("warm-" + i));
        }
        long before = usedHeapAfterGc();
        long started = System.nanoTime();
        for (int i = 0; i < keys; i++) {
            send(distinctNamespaceReview("ns-" + i + "-" + Long.toHexString(SEED)));
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long after = usedHeapAfterGc();
        double perKey = (after - before) / (double) keys;
        String summary = String.format(
                java.util.Locale.ROOT,
                "set keys: %d generateName CREATEs in distinct"
                        + " namespaces in %.1f s; heap after GC %+.1f MiB, %.0f bytes retained per (namespace, set) key"
                        + " (bound %d)",
                keys,
                seconds,
                (after - before) / 1048576.0,
                perKey,
                MAX_BYTES_PER_SET_KEY);
        System.out.println(summary);
        Files.createDirectories(REPORT_DIR);
        Files.writeString(REPORT_DIR.resolve(LONG ? "set-keys-long.txt" : "set-keys.txt"), summary + "\n");
        assertThat(perKey).as("bytes retained per set key").isLessThan(MAX_BYTES_PER_SET_KEY);
    }

    static final long MAX_BYTES_PER_SET_KEY = 2_048;

    private static ObjectNode distinctNamespaceReview(String namespace) {
        return AdmissionClient.createReview(PodFixtures.member("web").build(), namespace);
    }

    private void send(ObjectNode review) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("https://localhost:" + AdmissionClient.httpsPort() + "/mutate-pods"))
                        .timeout(CLIENT_TIMEOUT)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(review.toString()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
    }

    private void check(ReviewFuzzer.Input input, Stats stats, List<String> failures) throws IOException {
        Oracle expected = Oracle.of(input);
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("https://localhost:" + AdmissionClient.httpsPort() + input.path()))
                .timeout(CLIENT_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(input.body()));
        if (input.contentType() != null && !input.contentType().isEmpty()) {
            request.header("Content-Type", input.contentType());
        }
        long t0 = System.nanoTime();
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            fail(failures, input, "no answer within " + CLIENT_TIMEOUT + ": " + e, null);
            stats.count("no-answer");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        stats.latency(System.nanoTime() - t0);
        String body = response.body();
        int status = response.statusCode();
        if (body.contains("\tat ")
                || body.contains("Exception")
                || body.contains("Caused by")
                || body.contains("at dev.ordinal")) {
            fail(failures, input, "stack-trace-like text in the response", body);
        }
        if (status >= 500) {
            stats.count("http " + status);
            fail(failures, input, "HTTP " + status, body);
            return;
        }
        if (expected.uid() == null) {
            stats.count("http " + status);
            if (status != 400) {
                fail(failures, input, "HTTP " + status + " for a body that is not an AdmissionReview (want 400)", body);
            }
            return;
        }
        if (status != 200) {
            stats.count("http " + status);
            fail(failures, input, "HTTP " + status + " for an AdmissionReview with uid (want 200)", body);
            return;
        }
        JsonNode answer;
        try {
            answer = AdmissionClient.MAPPER.readTree(body);
        } catch (IOException e) {
            fail(failures, input, "HTTP 200 body is not JSON", body);
            return;
        }
        JsonNode r = answer.path("response");
        if (!"AdmissionReview".equals(answer.path("kind").asText())
                || !r.path("uid").isTextual()
                || !r.path("uid").asText().equals(expected.uid())) {
            fail(failures, input, "uid not echoed (want " + abbreviate(expected.uid()) + ")", body);
        }
        if (!r.path("allowed").isBoolean()) {
            fail(failures, input, "response.allowed is not a boolean", body);
            return;
        }
        if (!r.path("allowed").asBoolean()) {
            int code = r.path("status").path("code").asInt(-1);
            stats.count("200 denied " + code);
            if (code >= 500 || code < 400) {
                fail(failures, input, "denied with code " + code + " (an internal error is a bug)", body);
            }
            if (r.has("patch")) {
                fail(failures, input, "a denial carries a patch", body);
            }
            return;
        }
        if (!r.hasNonNull("patch")) {
            stats.count("200 allowed");
            return;
        }
        stats.count("200 patched");
        if (input.path().equals("/validate-pods")) {
            fail(failures, input, "the validating webhook returned a patch", body);
        }
        try {
            if (!"JSONPatch".equals(r.path("patchType").asText())) {
                throw new IllegalStateException("patchType " + r.path("patchType"));
            }
            JsonNode patch = AdmissionClient.MAPPER.readTree(
                    Base64.getDecoder().decode(r.path("patch").asText()));
            if (!patch.isArray() || patch.isEmpty()) {
                throw new IllegalStateException("patch is not a non-empty JSON array");
            }
            JsonPatch.apply(patch, expected.object());
        } catch (RuntimeException | IOException e) {
            fail(failures, input, "patch does not apply to request.object: " + e.getMessage(), body);
        }
    }

    /**
     * What the answer must be, from the input alone: the uid to echo, or null when the body is not an
     * AdmissionReview (wrong content type, empty, not a JSON object, kind not AdmissionReview, no non-blank uid).
     */
    record Oracle(String uid, JsonNode object) {
        static Oracle of(ReviewFuzzer.Input input) {
            String type = input.contentType();
            if (type == null
                    || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")
                    || input.body().length == 0) {
                return new Oracle(null, null);
            }
            JsonNode root;
            try {
                root = AdmissionClient.MAPPER.readTree(input.body());
            } catch (IOException | RuntimeException e) {
                return new Oracle(null, null);
            }
            if (root == null
                    || !root.isObject()
                    || !root.path("kind").isTextual()
                    || !root.path("kind").asText().equals("AdmissionReview")) {
                return new Oracle(null, null);
            }
            JsonNode uid = root.path("request").path("uid");
            if (!root.path("request").isObject()
                    || !uid.isTextual()
                    || uid.asText().isBlank()) {
                return new Oracle(null, null);
            }
            return new Oracle(uid.asText(), root.path("request").path("object"));
        }
    }

    /** Counts by outcome and latencies. */
    static final class Stats {
        private final Map<String, Integer> outcomes = new TreeMap<>();
        private long[] latencies = new long[1024];
        private int n;

        void count(String outcome) {
            outcomes.merge(outcome, 1, Integer::sum);
        }

        void latency(long nanos) {
            if (n == latencies.length) {
                latencies = Arrays.copyOf(latencies, n * 2);
            }
            latencies[n++] = nanos;
        }

        String summary(int inputs, long seed, long elapsedMillis, long heapBefore, long heapAfter) {
            long[] sorted = Arrays.copyOf(latencies, n);
            Arrays.sort(sorted);
            return String.format(
                    java.util.Locale.ROOT,
                    "fuzz: %d inputs (seed %d) in %.1f s; outcomes %s; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms;"
                            + " heap after GC %d MiB -> %d MiB (growth %+.1f MiB, bound %d MiB)",
                    inputs,
                    seed,
                    elapsedMillis / 1000.0,
                    outcomes,
                    millis(sorted, 0.50),
                    millis(sorted, 0.99),
                    n == 0 ? 0.0 : sorted[n - 1] / 1e6,
                    heapBefore >> 20,
                    heapAfter >> 20,
                    (heapAfter - heapBefore) / 1048576.0,
                    MAX_HEAP_GROWTH_BYTES >> 20);
        }

        private static double millis(long[] sorted, double quantile) {
            return sorted.length == 0 ? 0.0 : sorted[(int) Math.min(sorted.length - 1, sorted.length * quantile)] / 1e6;
        }
    }

    private static void fail(List<String> failures, ReviewFuzzer.Input input, String what, String body) {
        if (failures.size() < 25) {
            try {
                Path dir = REPORT_DIR.resolve("fuzz-failures");
                Files.createDirectories(dir);
                byte[] saved = input.body().length > 2_000_000 ? Arrays.copyOf(input.body(), 2_000_000) : input.body();
                Files.write(dir.resolve(input.index() + ".json"), saved);
            } catch (IOException e) {
                // The report is a convenience; the failure itself is what matters.
            }
        }
        if (failures.size() >= 200) {
            return; // enough to debug; keeping more would itself grow the heap being measured
        }
        failures.add(what + " — " + input.describe() + (body == null ? "" : " — answer: " + abbreviate(body)));
    }

    private static void deleteOldFailures() throws IOException {
        Path dir = REPORT_DIR.resolve("fuzz-failures");
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 400 ? s.substring(0, 400) + "…(" + s.length() + " chars)" : s;
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(150);
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
