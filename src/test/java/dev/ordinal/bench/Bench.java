package dev.ordinal.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.support.AdmissionClient;
import dev.ordinal.support.PackagedApp;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

/**
 * {@code make bench}: the packaged app over keep-alive TLS from 127.0.0.1, driven by wrk, against an embedded mock
 * API server pre-loaded with sets of 10, 1,000 and 10,000 pods. Writes {@code docs/benchmarks.md}.
 */
public final class Bench {

    static final int[] SIZES = java.util.Arrays.stream(System.getProperty("bench.sizes", "10,1000,10000").split(","))
            .mapToInt(Integer::parseInt).toArray();
    static final Path OUT = Path.of("target/bench");
    static final Path CERTS = Path.of("src/test/resources/tls");

    final int seconds = Integer.getInteger("bench.seconds", 4);
    final int connections = Integer.getInteger("bench.connections", 32);
    final List<Row> rows = new ArrayList<>();
    final List<Row> halfRate = new ArrayList<>();
    KubernetesClient client;
    PackagedApp app;

    /** One measured run. */
    record Row(String endpoint, String scenario, int setSize, double rps, double p50Ms, double p99Ms, double p999Ms,
            long errors, long requests) {
    }

    /** A benchmark case: the review to post for a set of a given size. */
    record Case(String scenario, String path, Function<Integer, ObjectNode> review, boolean expectPatch,
            boolean expectAllowed, boolean concurrentWrites) {
    }

    public static void main(String[] args) {
        try {
            new Bench().run();
            System.exit(0);
        } catch (Exception | Error e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    /**
     * The JVM options the container image uses (JAVA_OPTS in src/main/docker/Dockerfile.jvm; deploy/'s memory request
     * and limit are set from what this measures): a fixed heap instead of ergonomics sized from this machine's 24 GiB.
     * Override with -Dbench.jvm="...".
     */
    static final String DEFAULT_JVM = "-Xmx160m -XX:+UseSerialGC -Xss512k -XX:ReservedCodeCacheSize=48m";

    final List<String> jvmOptions = List.of(System.getProperty("bench.jvm", DEFAULT_JVM).trim().split("\\s+"));

    void run() throws Exception {
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
        Files.createDirectories(OUT);
        ensureWrk();
        KubernetesMockServer mock = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        mock.init(InetAddress.getLoopbackAddress(), 0);
        client = mock.createClient();
        try {
            log("seeding the mock API server with sets of %s pods", java.util.Arrays.toString(SIZES));
            long total = java.util.Arrays.stream(SIZES).sum();
            for (int size : SIZES) {
                seed(size);
            }
            Map<String, String> props = new LinkedHashMap<>();
            props.put("ordinal.admission.noop-endpoint", "true");
            props.put("ordinal.controller.enabled", "false");
            for (String extra : System.getProperty("bench.props", "").split(",")) {
                if (extra.contains("=")) {
                    props.put(extra.substring(0, extra.indexOf('=')), extra.substring(extra.indexOf('=') + 1));
                }
            }
            app = PackagedApp.start(client.getMasterUrl().toString(), CERTS, props, jvmOptions, OUT.resolve("app.log"));
            Duration startup = app.awaitReady(Duration.ofSeconds(180));
            log("app ready in %d ms (caches synced with %d pods)", startup.toMillis(), total);

            List<Case> cases = cases();
            Case noopCase = new Case("no-op baseline", "/noop-review", this::newPod, false, true, false);
            log("warm-up (every case, the baseline too, so the JIT has compiled each path before it is measured)");
            for (Case c : cases) {
                wrk(c, SIZES[0], 3, connections, 0, false);
            }
            wrk(noopCase, SIZES[0], 3, connections, 0, false);
            long rssWarm = app.rssKiB();
            Row noop = wrk(noopCase, SIZES[0], seconds, connections, 0, true);
            for (Case c : cases) {
                for (int size : SIZES) {
                    rows.add(wrk(c, size, seconds, connections, 0, true));
                }
            }
            int largest = SIZES[SIZES.length - 1];
            for (Case c : cases) {
                Row saturated = find(c.scenario(), largest);
                double target = saturated.rps() / 2;
                int conns = (int) Math.max(4, Math.min(200, Math.ceil(target / 100)));
                int delayMs = (int) Math.round(conns * 1000.0 / target);
                halfRate.add(wrk(c, largest, seconds, conns, delayMs, true));
            }
            long rssAfter = app.rssKiB();
            String report = report(noop, startup, rssWarm, rssAfter);
            Files.createDirectories(Path.of("docs"));
            if (System.getProperty("bench.only") == null && System.getProperty("bench.sizes") == null) {
                Files.writeString(Path.of("docs/benchmarks.md"), report);
            }
            System.out.println();
            System.out.println(report);
        } finally {
            if (app != null) {
                app.close();
            }
            client.close();
            mock.destroy();
        }
    }

    List<Case> cases() {
        String only = System.getProperty("bench.only", "");
        return allCases().stream().filter(c -> c.scenario().contains(only)).toList();
    }

    List<Case> allCases() {
        return List.of(
                new Case("mutate generateName (new ordinal)", "/mutate-pods", this::newPod, true, true, false),
                new Case("mutate with volume", "/mutate-pods", this::podWithVolume, true, true, false),
                new Case("mutate re-invocation (no-op patch)", "/mutate-pods", this::mutatedPod, false, true, false),
                new Case("validate CREATE", "/validate-pods", this::validateCreate, false, true, false),
                new Case("validate UPDATE", "/validate-pods", this::validateUpdate, false, true, false),
                new Case("mutate under concurrent writes", "/mutate-pods", this::newPod, true, true, true));
    }

    ObjectNode newPod(int size) {
        return AdmissionClient.createReview(PodFixtures.member("web").build(), namespace(size));
    }

    ObjectNode podWithVolume(int size) {
        return AdmissionClient.createReview(PodFixtures.member("web").ephemeralVolume("data").build(), namespace(size));
    }

    /** A pod that already carries its identity, as on re-invocation: the answer has no patch. */
    ObjectNode mutatedPod(int size) {
        return AdmissionClient.createReview(identity(PodFixtures.stored("web", size)).build(), namespace(size));
    }

    ObjectNode validateCreate(int size) {
        return AdmissionClient.createReview(identity(PodFixtures.stored("web", size)).build(), namespace(size));
    }

    ObjectNode validateUpdate(int size) {
        Pod old = identity(PodFixtures.stored("web", 0)).ready().build();
        Pod updated = identity(PodFixtures.stored("web", 0)).ready().label("team", "blue").build();
        return AdmissionClient.review("UPDATE", updated, old, namespace(size), "alice", false);
    }

    static PodFixtures identity(PodFixtures pod) {
        Pod built = pod.build();
        String name = built.getMetadata().getName();
        int n = Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
        return pod.annotation(OrdinalKeys.DELETION_COST_ANNOTATION, Integer.toString(-n)).hostname(name, "web");
    }

    static String namespace(int size) {
        return "bench-" + size;
    }

    void seed(int size) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int n = 0; n < size; n++) {
                int ordinal = n;
                futures.add(pool.submit(() -> {
                    Pod pod = identity(PodFixtures.stored("web", ordinal)).ready().build();
                    pod.getMetadata().setNamespace(namespace(size));
                    client.pods().inNamespace(namespace(size)).resource(pod).create();
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    Row wrk(Case c, int size, int runSeconds, int conns, int delayMs, boolean record) throws Exception {
        ObjectNode review = c.review().apply(size);
        check(c, review);
        Path script = OUT.resolve("post.lua");
        String body = review.toString().replace("\\", "\\\\").replace("\"", "\\\"");
        Files.writeString(script, """
                wrk.method = "POST"
                wrk.headers["Content-Type"] = "application/json"
                wrk.body = "%s"
                %s
                done = function(summary, latency, requests)
                  local e = summary.errors
                  io.write(string.format("BENCH %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
                    e.connect + e.read + e.write + e.timeout, e.status,
                    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
                end
                """.formatted(body, delayMs > 0
                        // Uniform jitter around the mean: fixed delays make all connections fire in step.
                        ? "delay = function() return math.random(0, " + (2 * delayMs) + ") end" : ""));
        AtomicBoolean writing = new AtomicBoolean(c.concurrentWrites());
        AtomicLong writes = new AtomicLong();
        Thread writer = new Thread(() -> churn(size, writing, writes));
        if (c.concurrentWrites()) {
            writer.start();
        }
        Process wrk = new ProcessBuilder("wrk", "-t1", "-c" + conns, "-d" + runSeconds + "s", "-s", script.toString(),
                app.webhookUrl() + c.path()).redirectErrorStream(true).start();
        String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        wrk.waitFor();
        writing.set(false);
        if (c.concurrentWrites()) {
            writer.join();
        }
        String line = output.lines().filter(l -> l.startsWith("BENCH ")).findFirst()
                .orElseThrow(() -> new IllegalStateException("wrk printed no result:\n" + output));
        String[] f = line.split(" ");
        long requests = Long.parseLong(f[1]);
        double durationS = Long.parseLong(f[2]) / 1e6;
        long errors = Long.parseLong(f[3]) + Long.parseLong(f[4]);
        Row row = new Row(c.path(), c.scenario(), size, requests / durationS, Long.parseLong(f[5]) / 1000.0,
                Long.parseLong(f[6]) / 1000.0, Long.parseLong(f[7]) / 1000.0, errors, requests);
        if (record) {
            log("%-36s %6d pods %s%8.0f req/s  p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  errors %d%s", c.scenario(), size,
                    delayMs > 0 ? "(paced) " : "", row.rps(), row.p50Ms(), row.p99Ms(), row.p999Ms(), errors,
                    c.concurrentWrites() ? "  (" + writes.get() + " pod writes during the run)" : "");
        }
        return row;
    }

    /** Creates and deletes member pods of the set while the run lasts, so its snapshot keeps being rebuilt. */
    void churn(int size, AtomicBoolean writing, AtomicLong writes) {
        int i = 0;
        while (writing.get()) {
            Pod pod = identity(PodFixtures.stored("web", 5_000_000 + i++)).build();
            pod.getMetadata().setNamespace(namespace(size));
            try {
                client.pods().inNamespace(namespace(size)).resource(pod).create();
                Thread.sleep(10);
                client.pods().inNamespace(namespace(size)).withName(pod.getMetadata().getName()).delete();
                writes.addAndGet(2);
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // the mock is busy; keep churning
            }
        }
    }

    /** One request through Java's client first: the case must be answered as expected, or its numbers mean nothing. */
    void check(Case c, ObjectNode review) throws Exception {
        HttpResponse<String> response = https().send(HttpRequest.newBuilder(URI.create(app.webhookUrl() + c.path()))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(review.toString()))
                .build(), HttpResponse.BodyHandlers.ofString());
        JsonNode answer = AdmissionClient.read(response.body()).path("response");
        if (response.statusCode() != 200 || answer.path("allowed").asBoolean() != c.expectAllowed()
                || answer.hasNonNull("patch") != c.expectPatch()) {
            throw new IllegalStateException("case " + c.scenario() + " answered unexpectedly: " + response.body());
        }
    }

    HttpClient https;

    HttpClient https() throws Exception {
        if (https == null) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            try (var in = Files.newInputStream(CERTS.resolve("tls.crt"))) {
                trust.setCertificateEntry("ordinal", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            https = HttpClient.newBuilder().sslContext(ssl).build();
        }
        return https;
    }

    String report(Row noop, Duration startup, long rssWarmKiB, long rssAfterKiB) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Produced by `make bench` (`dev.ordinal.bench.Bench`) on ").append(Instant.now()).append(".\n\n");
        md.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores (")
                .append(cpuModel()).append("), load generator (wrk, 1 thread) on the same machine, 127.0.0.1 only\n");
        md.append("- App: packaged JVM jar (`target/quarkus-app/quarkus-run.jar`), Java ")
                .append(System.getProperty("java.version")).append(", JVM options `").append(String.join(" ", jvmOptions))
                .append("` (as the container image), HTTPS (TLS) with"
                        + " keep-alive, controller off, informers fed by an embedded fabric8 mock API server holding"
                        + " sets of 10, 1,000 and 10,000 pods (11,010 pods cached)\n");
        md.append("- Each run: ").append(seconds).append(" s, ").append(connections).append(" connections; latency"
                + " is wrk's (request sent to response read)\n\n");
        md.append("## Saturating throughput and latency\n\n");
        md.append("| endpoint | scenario | set size | req/s | p50 ms | p99 ms | p99.9 ms | errors | vs no-op |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        md.append(row(noop, noop));
        for (Row r : rows) {
            md.append(row(r, noop));
        }
        md.append("\n## Latency at half the saturating rate (10,000-pod set)\n\n");
        md.append("Paced with wrk's `delay()` hook: many connections, each waiting a random 0–2× mean delay between"
                + " requests, so the offered rate is about half of the saturating one.\n\n");
        md.append("| endpoint | scenario | req/s achieved | p50 ms | p99 ms | p99.9 ms | errors |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|\n");
        for (Row r : halfRate) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.2f | %.2f | %.2f | %d |%n", r.endpoint(),
                    r.scenario(), r.rps(), r.p50Ms(), r.p99Ms(), r.p999Ms(), r.errors()));
        }
        md.append("\n## Flatness in set size (10,000-pod set vs 10-pod set, throughput)\n\n");
        md.append("| scenario | req/s at 10 | req/s at 10,000 | cost ratio (10 / 10,000) |\n|---|---:|---:|---:|\n");
        for (Case c : cases()) {
            Row small = find(c.scenario(), SIZES[0]);
            Row large = find(c.scenario(), SIZES[SIZES.length - 1]);
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f |%n", c.scenario(), small.rps(),
                    large.rps(), small.rps() / large.rps()));
        }
        md.append("\n## Memory and start-up\n\n");
        md.append(String.format(Locale.ROOT, "- Start-up to ready (process start until `/q/health/ready` is 200, caches"
                + " synced with 11,010 pods): **%d ms**%n", startup.toMillis()));
        md.append(String.format(Locale.ROOT, "- Resident memory after warm-up: **%d MiB**; after all runs: **%d MiB**%n",
                rssWarmKiB / 1024, rssAfterKiB / 1024));
        md.append("\n");
        return md.toString();
    }

    Row find(String scenario, int size) {
        return rows.stream().filter(r -> r.scenario().equals(scenario) && r.setSize() == size).findFirst()
                .orElseThrow();
    }

    static String row(Row r, Row noop) {
        return String.format(Locale.ROOT, "| %s | %s | %s | %.0f | %.2f | %.2f | %.2f | %d | %.2f× |%n", r.endpoint(),
                r.scenario(), r == noop ? "–" : String.format(Locale.ROOT, "%,d", r.setSize()), r.rps(), r.p50Ms(),
                r.p99Ms(), r.p999Ms(), r.errors(), r.rps() / noop.rps());
    }

    static String cpuModel() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
    }

    static void ensureWrk() throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "command -v wrk").start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("wrk is not installed: `make bench` installs it (apt-get install -y wrk)");
        }
    }

    static void log(String format, Object... args) {
        System.out.printf("[bench %s] %s%n", java.time.LocalTime.now().withNano(0), String.format(Locale.ROOT, format,
                args));
    }
}
