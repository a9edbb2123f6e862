package dev.ordinal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.support.AdmissionClient;
import dev.ordinal.support.MockApiServer;
import dev.ordinal.support.PackagedApp;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * {@code make bench}: the packaged app, the JVM jar and the native executable in one run, over keep-alive TLS from
 * 127.0.0.1, driven by wrk, against an embedded mock API server pre-loaded with sets of 10, 1,000 and 10,000 pods;
 * each mode measured with wrk pinned to core 0 and the app and mock API server to core 1, and with all of them
 * sharing both cores. Writes {@code docs/benchmarks.md} and the charts in {@code docs/bench/}.
 */
public final class Bench {

    /** The sets seeded into the mock API server (all cached by the app) and the ones the throughput runs use. */
    static final int[] SEEDED = ints(System.getProperty("bench.seed", "10,1000,10000"));

    static final int[] SIZES = ints(System.getProperty("bench.sizes", "10,10000"));
    static final Path OUT = Path.of("target/bench");
    static final Path CERTS = Path.of("src/test/resources/tls");

    final int seconds = Integer.getInteger("bench.seconds", 3);
    final int connections = Integer.getInteger("bench.connections", 32);

    /**
     * Warm-up per case before anything is measured, so the JIT has compiled each path: 10 s for the JVM (with 3 s its
     * compilers were still busy when the first measured run, the pinned no-op one, began, on the same single core,
     * and that baseline came out at a fifth of its speed), 3 s for the native executable (nothing to compile).
     */
    final int jvmWarmupSeconds = Integer.getInteger("bench.warmup-seconds", 10);

    /** At most this long per placement warming the JVM up again until its JIT is idle ({@link #settleJit}). */
    final int jitSettleSeconds = Integer.getInteger("bench.jit-settle-seconds", 60);

    /**
     * Connections of the paced (half-rate) runs. The API server calls a webhook over HTTP/2 and multiplexes its
     * reviews over a few connections, so a few keep-alive connections are the realistic load. The first version opened
     * one per 100 req/s (up to 200): the TLS handshakes at the start of each run queued the first requests behind them,
     * which alone made the p99 of a 3-second run 100–300 ms on every endpoint, the no-op one too.
     */
    final int pacedConnections = Integer.getInteger("bench.paced-connections", 16);

    /** Long enough that the handshakes at the start of a paced run are far below its slowest 1 %. */
    final int pacedSeconds = Integer.getInteger("bench.paced-seconds", Math.max(seconds, 8));

    final List<Row> rows = new ArrayList<>();
    final List<Row> halfRate = new ArrayList<>();
    KubernetesClient client;
    PackagedApp app;
    /** The process serving the measured reviews (Ordinal's, or the Go reference's): its CPU time is read per run. */
    long servedPid;

    /** The name of the Go reference's mode in the tables. */
    static final String GO = "Go (stdlib)";

    /** One measured run. */
    record Row(
            String mode,
            String placement,
            String endpoint,
            String scenario,
            int setSize,
            double rps,
            double p50Ms,
            double p99Ms,
            double p999Ms,
            long errors,
            long requests,
            double cpuUsPerRequest,
            double jitUsPerRequest,
            double baselineRps) {

        /**
         * This run with the throughput of its paired baseline: the no-op endpoint on the same review, run just before
         * and just after this case (mean of the two).
         */
        Row withBaseline(double rps) {
            return new Row(
                    mode,
                    placement,
                    endpoint,
                    scenario,
                    setSize,
                    this.rps,
                    p50Ms,
                    p99Ms,
                    p999Ms,
                    errors,
                    requests,
                    cpuUsPerRequest,
                    jitUsPerRequest,
                    rps);
        }
    }

    /**
     * What serves the reviews: Ordinal's jar with the image's JVM options, its native executable, or the stdlib Go
     * webhook it is compared with ({@link GoReference}).
     */
    record Mode(String name, Path nativeRunner, boolean goReference) {

        /** Whether this mode runs a JVM (whose JIT is warmed up until idle, and whose heap can be inspected). */
        boolean jvm() {
            return nativeRunner == null && !goReference;
        }
    }

    /** Which cores the app (with the mock API server, this JVM) and wrk may use. */
    record Placement(String name, String appCpus, String wrkCpus, String description) {}

    static final Placement PINNED =
            new Placement("pinned", "1", "0", "wrk on core 0; the app and the mock API server on core 1 (taskset)");
    static final Placement SHARED =
            new Placement("shared", "0,1", "0,1", "wrk, the app and the mock API server" + " sharing both cores");

    /** Per mode: start-up, memory and heap figures. */
    record ModeFigures(Duration startup, long rssWarmKiB, long rssAfterKiB, long heapPerPodBytes, String heapNote) {}

    final Map<String, ModeFigures> figures = new LinkedHashMap<>();
    final Map<String, Row> noops = new LinkedHashMap<>();
    final boolean plainHttp = Boolean.getBoolean("bench.http");
    String baseUrl;

    /** A benchmark case: the review to post for a set of a given size. */
    record Case(
            String scenario,
            String path,
            Function<Integer, ObjectNode> review,
            boolean expectPatch,
            boolean expectAllowed,
            boolean concurrentWrites) {

        /**
         * The no-op endpoint on this case's review: the same decoding and encoding of the same bytes, no rule, no
         * concurrent writes. Dividing by it leaves what Ordinal's rules cost on this request; the one reference no-op
         * (a small generateName pod) would also count the size of the review (validate UPDATE carries two pods).
         */
        Case baseline() {
            return new Case("no-op on the review of: " + scenario, "/noop-review", review, false, true, false);
        }
    }

    /** The paired baseline runs, in the order they ran (for the table). */
    final List<Row> baselines = new ArrayList<>();

    public static void main(String[] args) {
        try {
            new Bench().run();
            System.exit(0);
        } catch (Exception | Error e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** The image's options (PackagedApp.IMAGE_JVM_OPTIONS), unless -Dbench.jvm="..." replaces them. */
    final List<String> jvmOptions = List.of(System.getProperty("bench.jvm", PackagedApp.IMAGE_JVM_OPTIONS)
            .trim()
            .split("\\s+"));

    /** The image's options (PackagedApp.IMAGE_NATIVE_OPTIONS), unless -Dbench.native="..." replaces them. */
    final List<String> nativeOptions = List.of(System.getProperty("bench.native", PackagedApp.IMAGE_NATIVE_OPTIONS)
            .trim()
            .split("\\s+"));

    static int[] ints(String csv) {
        return java.util.Arrays.stream(csv.split(","))
                .filter(v -> !v.isBlank())
                .mapToInt(Integer::parseInt)
                .toArray();
    }

    /** Gate release latency and Events of ordered start ({@link ReleaseLatency}), when measured. */
    List<ReleaseLatency.Row> release = List.of();

    /**
     * The real-control-plane rollouts (RolloutBench, run by `make bench` before this, with the jar and with the
     * native executable): their markdown and per-pod timelines. Given with -Dbench.rollouts=target/bench; then all
     * four files must be there.
     */
    static Optional<Path> rollouts() {
        String dir = System.getProperty("bench.rollouts");
        if (dir == null || dir.isBlank()) {
            return Optional.empty();
        }
        Path path = Path.of(dir);
        for (String build : ROLLOUT_BUILDS) {
            for (String file : List.of("rollouts" + build + ".md", "rollout-timelines" + build + ".csv")) {
                if (!Files.isRegularFile(path.resolve(file))) {
                    throw new IllegalStateException(path.resolve(file) + " is missing: `make bench-rollout"
                            + (build.isEmpty() ? "" : " PACKAGED=native") + "` writes it");
                }
            }
        }
        return Optional.of(path);
    }

    /** RolloutBench's file-name suffixes: the jar's replicas, then the native executable's. */
    static final List<String> ROLLOUT_BUILDS = List.of("", "-native");

    List<Mode> modes() {
        List<Mode> modes = new ArrayList<>();
        for (String m : System.getProperty("bench.modes", "go,native,jvm").split(",")) {
            switch (m) {
                case "go" -> modes.add(new Mode(GO, null, true));
                case "jvm" -> modes.add(new Mode("JVM", null, false));
                case "native" -> modes.add(new Mode("native", PackagedApp.builtNativeRunner(), false));
                default -> throw new IllegalArgumentException("bench.modes: go, jvm or native, not " + m);
            }
        }
        return modes;
    }

    List<Placement> placements() {
        List<Placement> all = List.of(PINNED, SHARED);
        String only = System.getProperty("bench.placements", "pinned,shared");
        return all.stream()
                .filter(p -> List.of(only.split(",")).contains(p.name()))
                .toList();
    }

    void run() throws Exception {
        MockApiServer.quietRequestLog();
        Files.createDirectories(OUT);
        ensureWrk();
        if (!Files.isExecutable(Path.of("/usr/bin/taskset")) && placements().contains(PINNED)) {
            throw new IllegalStateException("taskset (util-linux) is needed for the pinned runs");
        }
        KubernetesMockServer mock = MockApiServer.crudResumingWatches();
        client = mock.createClient();
        try {
            log("seeding the mock API server with sets of %s pods", java.util.Arrays.toString(SEEDED));
            long total = java.util.Arrays.stream(SEEDED).sum();
            for (int size : SEEDED) {
                seed(size);
            }
            List<Mode> modes = modes();
            for (Mode mode : modes) {
                if (mode.goReference()) {
                    measureReference(mode);
                } else {
                    measure(mode, total, mode == modes.get(modes.size() - 1));
                }
            }
            boolean complete = System.getProperty("bench.only") == null
                    && System.getProperty("bench.sizes") == null
                    && System.getProperty("bench.modes") == null
                    && System.getProperty("bench.placements") == null
                    && !plainHttp;
            int[] releaseSizes = ints(System.getProperty("bench.release-sizes", complete ? "10,100,1000" : ""));
            if (releaseSizes.length > 0) {
                log(
                        "ordered start: gate release latency and Events for sets of %s pods (JVM)",
                        java.util.Arrays.toString(releaseSizes));
                release = ReleaseLatency.measure(releaseSizes, jvmOptions, OUT.resolve("release-app.log"));
            }
            String report = report(total);
            if (complete) {
                Files.createDirectories(Path.of("docs"));
                Files.writeString(Path.of("docs/benchmarks.md"), report);
                charts(Path.of("docs/bench"));
            } else {
                charts(OUT);
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

    /** One mode: start, warm up, the runs in each placement, memory; the last mode also measures heap per pod. */
    void measure(Mode mode, long cachedPods, boolean last) throws Exception {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("ordinal.admission.noop-endpoint", "true");
        props.put("ordinal.controller.enabled", "false");
        int httpPort = PackagedApp.freePort();
        if (plainHttp) {
            props.put("quarkus.http.insecure-requests", "enabled");
            props.put("quarkus.http.port", Integer.toString(httpPort));
        }
        for (String extra : System.getProperty("bench.props", "").split(",")) {
            if (extra.contains("=")) {
                props.put(extra.substring(0, extra.indexOf('=')), extra.substring(extra.indexOf('=') + 1));
            }
        }
        pin(ProcessHandle.current().pid(), "0,1");
        app = PackagedApp.start(
                client.getMasterUrl().toString(),
                CERTS,
                props,
                mode.nativeRunner() == null ? jvmOptions : nativeOptions,
                OUT.resolve("app-" + mode.name().toLowerCase(Locale.ROOT) + ".log"),
                mode.nativeRunner());
        try {
            baseUrl = plainHttp ? "http://127.0.0.1:" + httpPort : app.webhookUrl();
            Duration startup = app.awaitReady(Duration.ofSeconds(180));
            log("%s: ready in %d ms (caches synced with %d pods)", mode.name(), startup.toMillis(), cachedPods);
            servedPid = app.pid();
            long rssWarm = runCases(mode, cases());
            long rssAfter = app.rssKiB();
            long perPod = -1;
            String heapNote;
            if (mode.nativeRunner() != null) {
                heapNote = "not measured: the native executable has no attach mechanism (jcmd) in this build and"
                        + " its collections cannot be forced from outside";
            } else if (last && SEEDED[SEEDED.length - 1] >= 1000) {
                perPod = heapPerPod(SEEDED[SEEDED.length - 1]);
                heapNote = "live heap (jcmd GC.class_histogram, after a full GC) with all pods cached, minus the same"
                        + " after the " + String.format(Locale.ROOT, "%,d", SEEDED[SEEDED.length - 1])
                        + "-pod set was deleted, divided by its size";
            } else {
                heapNote = "measured only when the JVM runs last (bench.modes ends with jvm)";
            }
            figures.put(mode.name(), new ModeFigures(startup, rssWarm, rssAfter, perPod, heapNote));
        } finally {
            pin(ProcessHandle.current().pid(), "0,1");
            app.close();
            app = null;
        }
    }

    /**
     * The Go reference ({@link GoReference}) on the cases it serves (the mutations that give a new ordinal), checked
     * first against Ordinal's rules, then measured as Ordinal's modes are.
     */
    void measureReference(Mode mode) throws Exception {
        Map<String, Integer> readyPods = new LinkedHashMap<>();
        for (int size : SEEDED) {
            readyPods.put(namespace(size), size);
        }
        Path binary = GoReference.build(OUT.resolve("go-build.log"));
        pin(ProcessHandle.current().pid(), "0,1");
        try (GoReference go = GoReference.start(binary, CERTS, readyPods, OUT.resolve("app-go.log"))) {
            Duration startup = go.awaitReady(Duration.ofSeconds(30));
            log("%s: listening in %d ms", mode.name(), startup.toMillis());
            baseUrl = go.url();
            servedPid = go.pid();
            List<Case> cases = cases().stream().filter(Bench::servedByGo).toList();
            for (Case c : cases) {
                for (int size : SIZES) {
                    ObjectNode review = c.review().apply(size);
                    GoReference.verify(AdmissionClient.MAPPER, review, post(c, review), size);
                }
            }
            log("%s: its patches make the pods Ordinal's rules make", mode.name());
            long rssWarm = runCases(mode, cases);
            figures.put(
                    mode.name(),
                    new ModeFigures(
                            startup,
                            rssWarm,
                            PackagedApp.rssKiBOf(go.pid()),
                            -1,
                            "none cached: the reference knows the sets from its flags, not from the API server"));
        } finally {
            pin(ProcessHandle.current().pid(), "0,1");
        }
    }

    /** The cases the Go reference serves: the mutations that give a generateName pod a new ordinal. */
    static boolean servedByGo(Case c) {
        return c.path().equals("/mutate-pods") && c.expectPatch() && !c.concurrentWrites();
    }

    /**
     * Warm-up, then in each placement: the no-op, each case between two paired baselines, and the runs at half the
     * saturating rate. Returns the served process's resident KiB after the warm-up.
     */
    long runCases(Mode mode, List<Case> cases) throws Exception {
        Case noopCase = noopCase();
        log(
                "%s: warm-up (every case, the baseline too, so a JIT has compiled each path before it is measured)",
                mode.name());
        int warmup = mode.jvm() ? jvmWarmupSeconds : 3;
        for (Case c : cases) {
            wrk(mode, SHARED, c, SIZES[0], warmup, connections, 0, false);
        }
        wrk(mode, SHARED, noopCase, SIZES[0], warmup, connections, 0, false);
        long rssWarm = PackagedApp.rssKiBOf(servedPid);
        for (Placement placement : placements()) {
            pin(ProcessHandle.current().pid(), placement.appCpus());
            pin(servedPid, placement.appCpus());
            settleJit(mode, placement, concat(noopCase, cases));
            Row noop = wrk(mode, placement, noopCase, SIZES[0], seconds, connections, 0, true);
            noops.put(mode.name() + "/" + placement.name(), noop.withBaseline(noop.rps()));
            int largest = SIZES[SIZES.length - 1];
            for (Case c : cases) {
                // Baseline, the case's runs, baseline again: a machine that drifts during the case (another
                // process, frequency) moves both baselines, and their mean is what the case is divided by.
                Row before = wrk(mode, placement, c.baseline(), largest, seconds, connections, 0, true);
                List<Row> measured = new ArrayList<>();
                for (int size : SIZES) {
                    measured.add(wrk(mode, placement, c, size, seconds, connections, 0, true));
                }
                Row after = wrk(mode, placement, c.baseline(), largest, seconds, connections, 0, true);
                double baseline = (before.rps() + after.rps()) / 2;
                baselines.add(before.withBaseline(baseline));
                baselines.add(after.withBaseline(baseline));
                for (Row r : measured) {
                    rows.add(r.withBaseline(baseline));
                }
            }
            for (Case c : List.of(noopCase).equals(cases) ? cases : concat(noopCase, cases)) {
                Row saturated = c == noopCase ? noop : find(mode.name(), placement.name(), c.scenario(), largest);
                double target = saturated.rps() / 2;
                int delayMs = (int) Math.max(1, Math.round(pacedConnections * 1000.0 / target));
                halfRate.add(wrk(mode, placement, c, largest, pacedSeconds, pacedConnections, delayMs, true));
            }
        }
        pin(ProcessHandle.current().pid(), "0,1");
        return rssWarm;
    }

    /**
     * JVM only: warm-up rounds of every case in {@code placement} until the JIT compilers used under 2 % of one core
     * during a round (or {@code bench.jit-settle-seconds} passed), so that no measured run pays for compiling its own
     * path. The first warm-up ran on both cores; on one core a path still compiling competed with the event loop
     * (twelfth pass of issue 14: 39–70 µs of JIT per request in the pinned volume runs).
     */
    void settleJit(Mode mode, Placement placement, List<Case> all) throws Exception {
        if (!mode.jvm()) {
            return;
        }
        long deadline = System.nanoTime() + jitSettleSeconds * 1_000_000_000L;
        for (int round = 1; ; round++) {
            long jit = app.compilerCpuNanos();
            long start = System.nanoTime();
            for (Case c : all) {
                wrk(mode, placement, c, SIZES[SIZES.length - 1], 3, connections, 0, false);
            }
            double share = Math.max(0, app.compilerCpuNanos() - jit) / (double) (System.nanoTime() - start);
            log("%s %s: warm-up round %d, JIT %.1f %% of one core", mode.name(), placement.name(), round, 100 * share);
            if (share < 0.02 || System.nanoTime() > deadline) {
                return;
            }
        }
    }

    static List<Case> concat(Case first, List<Case> rest) {
        List<Case> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }

    Case noopCase() {
        return new Case("no-op baseline", "/noop-review", this::newPod, false, true, false);
    }

    /**
     * Every thread of {@code pid} onto {@code cpus}; threads started later inherit it. taskset walks the threads one by
     * one, and fails on one that ended meanwhile ("failed to get pid N's affinity: No such process"): tried again then.
     */
    static void pin(long pid, String cpus) throws Exception {
        for (int attempt = 1; ; attempt++) {
            Process p = new ProcessBuilder("taskset", "-a", "-p", "-c", cpus, Long.toString(pid))
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() == 0) {
                return;
            }
            if (attempt == 5 || !out.contains("No such process")) {
                throw new IllegalStateException("taskset failed for " + pid + ": " + out);
            }
        }
    }

    /**
     * Bytes of live heap per cached pod: the JVM's live heap (a class histogram forces a full GC first) with every
     * set cached, then again after the largest set was deleted from the API server and the informer dropped it.
     */
    long heapPerPod(int size) throws Exception {
        long before = liveHeap();
        log("deleting the %,d-pod set to measure the heap it held (live heap now %,d bytes)", size, before);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int n = 0; n < size; n++) {
                String name = identity(PodFixtures.stored("web", n))
                        .build()
                        .getMetadata()
                        .getName();
                futures.add(pool.submit(() -> client.pods()
                        .inNamespace(namespace(size))
                        .withName(name)
                        .delete()));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        long remaining = java.util.Arrays.stream(SEEDED).sum() - size;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long after;
        long pods;
        do {
            Thread.sleep(1000);
            String histogram = jcmd("GC.class_histogram");
            after = histogramTotal(histogram);
            pods = histogramInstances(histogram, "io.fabric8.kubernetes.api.model.Pod");
        } while (pods > remaining + 100 && System.nanoTime() < deadline);
        if (pods > remaining + 100) {
            throw new IllegalStateException("the informer still holds " + pods + " pods a minute after the deletion");
        }
        log("live heap after the deletion: %,d bytes (%d Pod objects left)", after, pods);
        return (before - after) / size;
    }

    long liveHeap() throws Exception {
        return histogramTotal(jcmd("GC.class_histogram"));
    }

    String jcmd(String command) throws Exception {
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(app.pid()),
                        command)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("jcmd " + command + " failed: " + out);
        }
        return out;
    }

    static long histogramTotal(String histogram) {
        return histogram
                .lines()
                .filter(l -> l.startsWith("Total"))
                .map(l -> l.trim().split("\\s+"))
                .mapToLong(f -> Long.parseLong(f[2]))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no Total in the class histogram"));
    }

    static long histogramInstances(String histogram, String className) {
        return histogram
                .lines()
                .map(l -> l.trim().split("\\s+"))
                .filter(f -> f.length >= 4 && f[3].equals(className))
                .mapToLong(f -> Long.parseLong(f[1]))
                .sum();
    }

    List<Case> cases() {
        // Comma-separated parts of scenario names; a case runs when its name contains one of them. None
        // matching leaves the no-op baseline alone (a quick check of the machine's speed).
        List<String> only = List.of(System.getProperty("bench.only", "").split(",", -1));
        return allCases().stream()
                .filter(c -> only.stream().anyMatch(c.scenario()::contains))
                .toList();
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
        return AdmissionClient.createReview(
                PodFixtures.member("web").ephemeralVolume("data").build(), namespace(size));
    }

    /** A pod that already carries its identity, as on re-invocation: the answer has no patch. */
    ObjectNode mutatedPod(int size) {
        return AdmissionClient.createReview(
                identity(PodFixtures.stored("web", size)).build(), namespace(size));
    }

    ObjectNode validateCreate(int size) {
        return AdmissionClient.createReview(
                identity(PodFixtures.stored("web", size)).build(), namespace(size));
    }

    ObjectNode validateUpdate(int size) {
        Pod old = identity(PodFixtures.stored("web", 0)).ready().build();
        Pod updated = identity(PodFixtures.stored("web", 0))
                .ready()
                .label("team", "blue")
                .build();
        return AdmissionClient.review("UPDATE", updated, old, namespace(size), "alice", false);
    }

    static PodFixtures identity(PodFixtures pod) {
        Pod built = pod.build();
        String name = built.getMetadata().getName();
        int n = Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
        return pod.annotation(OrdinalKeys.DELETION_COST_ANNOTATION, Integer.toString(-n))
                .hostname(name, "web");
    }

    static String namespace(int size) {
        return "bench-" + size;
    }

    void seed(int size) throws Exception {
        MockApiServer.seed(client, namespace(size), size, Bench::cachedPod);
    }

    /** The benchmark's cached member pod {@code web-n}: small (no managed fields, one container), running, ready. */
    public static Pod cachedPod(int n) {
        return identity(PodFixtures.stored("web", n)).ready().build();
    }

    Row wrk(Mode mode, Placement placement, Case c, int size, int runSeconds, int conns, int delayMs, boolean record)
            throws Exception {
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
                """.formatted(
                        body,
                        delayMs > 0
                                // Uniform jitter around the mean: fixed delays make all connections fire in step.
                                ? "delay = function() return math.random(0, " + (2 * delayMs) + ") end"
                                : ""));
        AtomicBoolean writing = new AtomicBoolean(c.concurrentWrites());
        AtomicLong writes = new AtomicLong();
        Thread writer = new Thread(() -> churn(size, writing, writes));
        if (c.concurrentWrites()) {
            writer.start();
        }
        long cpuBefore = PackagedApp.cpuNanosOf(servedPid);
        long jitBefore = PackagedApp.compilerCpuNanosOf(servedPid);
        Process wrk = new ProcessBuilder(
                        "taskset",
                        "-c",
                        placement.wrkCpus(),
                        "wrk",
                        "-t1",
                        "-c" + conns,
                        "-d" + runSeconds + "s",
                        "-s",
                        script.toString(),
                        baseUrl + c.path())
                .redirectErrorStream(true)
                .start();
        String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        wrk.waitFor();
        long cpuNanos = PackagedApp.cpuNanosOf(servedPid) - cpuBefore;
        long jitNanos = Math.max(0, PackagedApp.compilerCpuNanosOf(servedPid) - jitBefore);
        writing.set(false);
        if (c.concurrentWrites()) {
            writer.join();
        }
        String line = output.lines()
                .filter(l -> l.startsWith("BENCH "))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("wrk printed no result:\n" + output));
        String[] f = line.split(" ");
        long requests = Long.parseLong(f[1]);
        double durationS = Long.parseLong(f[2]) / 1e6;
        long errors = Long.parseLong(f[3]) + Long.parseLong(f[4]);
        Row row = new Row(
                mode.name(),
                placement.name(),
                c.path(),
                c.scenario(),
                size,
                requests / durationS,
                Long.parseLong(f[5]) / 1000.0,
                Long.parseLong(f[6]) / 1000.0,
                Long.parseLong(f[7]) / 1000.0,
                errors,
                requests,
                requests == 0 ? 0 : cpuNanos / 1000.0 / requests,
                requests == 0 ? 0 : jitNanos / 1000.0 / requests,
                Double.NaN);
        if (record) {
            log(
                    "%-6s %-6s %-36s %6d pods %s%8.0f req/s  p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  app CPU %.0f µs/req"
                            + " (JIT %.0f)  errors %d%s",
                    mode.name(),
                    placement.name(),
                    c.scenario(),
                    size,
                    delayMs > 0 ? "(paced) " : "",
                    row.rps(),
                    row.p50Ms(),
                    row.p99Ms(),
                    row.p999Ms(),
                    row.cpuUsPerRequest(),
                    row.jitUsPerRequest(),
                    errors,
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
                client.pods()
                        .inNamespace(namespace(size))
                        .withName(pod.getMetadata().getName())
                        .delete();
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
        JsonNode answer = post(c, review).path("response");
        if (answer.path("allowed").asBoolean() != c.expectAllowed() || answer.hasNonNull("patch") != c.expectPatch()) {
            throw new IllegalStateException("case " + c.scenario() + " answered unexpectedly: " + answer);
        }
    }

    /** The AdmissionReview that {@code review}, posted to the case's endpoint, is answered with (HTTP 200 only). */
    JsonNode post(Case c, ObjectNode review) throws Exception {
        HttpResponse<String> response = https().send(
                        HttpRequest.newBuilder(URI.create(baseUrl + c.path()))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(review.toString()))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "case " + c.scenario() + " answered HTTP " + response.statusCode() + ": " + response.body());
        }
        return AdmissionClient.read(response.body());
    }

    HttpClient https;

    HttpClient https() throws Exception {
        if (https == null) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            try (var in = Files.newInputStream(CERTS.resolve("tls.crt"))) {
                trust.setCertificateEntry(
                        "ordinal", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            https = HttpClient.newBuilder().sslContext(ssl).build();
        }
        return https;
    }

    String report(long cachedPods) throws IOException {
        String pods = String.format(Locale.ROOT, "%,d", cachedPods);
        String sizes = java.util.Arrays.stream(SEEDED)
                .mapToObj(n -> String.format(Locale.ROOT, "%,d", n))
                .collect(java.util.stream.Collectors.joining(", "));
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Produced by `make bench` (`dev.ordinal.bench.Bench`) on ")
                .append(Instant.now())
                .append(".\n\n");
        md.append("- Machine: ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores (")
                .append(cpuModel())
                .append("), load generator (wrk, 1 thread) on the same machine, 127.0.0.1 only\n");
        md.append("- App: packaged JVM jar (`target/quarkus-app/quarkus-run.jar`), Java ")
                .append(System.getProperty("java.version"))
                .append(", JVM options `")
                .append(String.join(" ", jvmOptions))
                .append("` (as the container image), and the native executable (`target/*-runner`, `make native`) with")
                .append(" the heap options among them (")
                .append(String.join(" ", nativeOptions))
                .append("), ")
                .append(plainHttp ? "plain HTTP (a diagnostic run)" : "HTTPS (TLS) with keep-alive")
                .append(", controller off, informers fed by an embedded fabric8 mock API server holding sets of ")
                .append(sizes)
                .append(" pods (")
                .append(pods)
                .append(" pods cached)\n");
        md.append("- Every mode in the same run, one after the other (")
                .append(String.join(", ", figures.keySet()))
                .append(figures.containsKey(GO) ? "; the Go reference is the webhook Ordinal is compared with" : "")
                .append("), each in two placements: **pinned** (")
                .append(PINNED.description())
                .append(") and **shared** (")
                .append(SHARED.description())
                .append(")\n");
        md.append("- Each run: ")
                .append(seconds)
                .append(" s, ")
                .append(connections)
                .append(" connections, sets of ")
                .append(java.util.Arrays.stream(SIZES)
                        .mapToObj(n -> String.format(Locale.ROOT, "%,d", n))
                        .collect(java.util.stream.Collectors.joining(" and ")))
                .append(" pods (kept short so `make bench` stays under 15 minutes on 2 cores); latency is wrk's"
                        + " (request sent to response read)\n\n");
        md.append("Charts: [throughput vs the no-op baseline](bench/throughput.svg),"
                + " [latency percentiles at half the saturating rate](bench/latency.svg).\n\n");
        md.append("![throughput](bench/throughput.svg)\n\n");

        md.append("## Memory and start-up\n\n");
        for (Map.Entry<String, ModeFigures> e : figures.entrySet()) {
            ModeFigures f = e.getValue();
            boolean jvm = e.getKey().equals("JVM");
            boolean go = e.getKey().equals(GO);
            md.append("### ")
                    .append(
                            jvm
                                    ? "JVM jar"
                                    : go
                                            ? "Go reference (not Ordinal: `src/test/bench/go-webhook`)"
                                            : "Native executable")
                    .append("\n\n");
            md.append(
                    go
                            ? String.format(
                                    Locale.ROOT,
                                    "- Start to listening (no caches to sync): **%d ms**%n",
                                    f.startup().toMillis())
                            : String.format(
                                    Locale.ROOT,
                                    "- Start-up to ready (process start until `/q/health/ready` is 200,"
                                            + " caches synced with %s pods): **%d ms**%n",
                                    pods,
                                    f.startup().toMillis()));
            md.append(String.format(
                    Locale.ROOT,
                    jvm
                            ? "- Resident memory after warm-up: **%d MiB**; after all runs: **%d MiB**%n"
                            : go
                                    ? "- Go reference, resident memory after warm-up: **%d MiB**; after all runs: **%d MiB**%n"
                                    : "- Native executable, resident memory after warm-up: **%d MiB**; after all runs: **%d MiB**%n",
                    f.rssWarmKiB() / 1024,
                    f.rssAfterKiB() / 1024));
            md.append("- Heap bytes per cached pod: ")
                    .append(f.heapPerPodBytes() >= 0 ? String.format(Locale.ROOT, "**%,d**", f.heapPerPodBytes()) : "–")
                    .append(" (")
                    .append(f.heapNote())
                    .append(")\n\n");
        }

        md.append("## Saturating throughput and latency\n\n");
        md.append("`vs no-op` divides by the no-op endpoint's throughput on **the same review** (same mode and"
                + " placement), run just before and just after the case's runs (the mean of the two, listed in the"
                + " next table): what Ordinal's rules cost on that request, with drift of the machine between runs"
                + " cancelled. `vs reference` divides by the one no-op run on a small generateName pod at the start"
                + " of the placement (the only baseline of earlier reports; it also counts the review's size).\n\n");
        md.append("`app CPU µs/req` is the app process's CPU time (user + system, /proc) during the run divided by the"
                + " requests served: it depends less than req/s on what else the machine runs. `JIT µs/req` is the"
                + " part of it the JVM's compiler threads used (C1/C2, /proc/<pid>/task): a JIT still compiling during"
                + " a run adds to its CPU and takes a core from the event loops; always 0 for the native"
                + " executable.\n\n");
        md.append("| mode | placement | endpoint | scenario | set size | req/s | p50 ms | p99 ms | p99.9 ms | errors"
                + " | app CPU µs/req | JIT µs/req | vs no-op | vs reference |\n");
        md.append("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, Row> e : noops.entrySet()) {
            md.append(row(e.getValue(), e.getValue()));
            for (Row r : rows) {
                if ((r.mode() + "/" + r.placement()).equals(e.getKey())) {
                    md.append(row(r, e.getValue()));
                }
            }
        }
        md.append("\n### The paired baselines\n\n");
        md.append("The no-op endpoint on each case's review, before and after the case's runs.\n\n");
        md.append("| mode | placement | baseline | req/s | app CPU µs/req | JIT µs/req | mean used |\n");
        md.append("|---|---|---|---:|---:|---:|---:|\n");
        for (Row b : baselines) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %.0f | %.0f | %.1f | %.0f |%n",
                    b.mode(),
                    b.placement(),
                    b.scenario(),
                    b.rps(),
                    b.cpuUsPerRequest(),
                    b.jitUsPerRequest(),
                    b.baselineRps()));
        }
        md.append(againstGo());
        md.append("\n## Latency at half the saturating rate (")
                .append(String.format(Locale.ROOT, "%,d", SIZES[SIZES.length - 1]))
                .append("-pod set)\n\n");
        md.append("Paced with wrk's `delay()` hook: " + pacedConnections + " keep-alive connections (the API server"
                + " multiplexes its webhook calls over a few HTTP/2 connections), each waiting a random 0–2×"
                + " mean delay (whole milliseconds) between requests, so the offered rate is about half of the"
                + " saturating one of the same mode and placement; " + pacedSeconds + " s per run.\n\n");
        md.append("![latency](bench/latency.svg)\n\n");
        md.append(
                "| mode | placement | endpoint | scenario | req/s achieved | p50 ms | p99 ms | p99.9 ms | errors |\n");
        md.append("|---|---|---|---|---:|---:|---:|---:|---:|\n");
        for (Row r : halfRate) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %s | %.0f | %.2f | %.2f | %.2f | %d |%n",
                    r.mode(),
                    r.placement(),
                    r.endpoint(),
                    r.scenario(),
                    r.rps(),
                    r.p50Ms(),
                    r.p99Ms(),
                    r.p999Ms(),
                    r.errors()));
        }
        if (SIZES.length > 1) {
            md.append("\n## Flatness in set size (throughput, shared placement)\n\n");
            md.append("| mode | scenario | req/s at ")
                    .append(SIZES[0])
                    .append(" | req/s at ")
                    .append(String.format(Locale.ROOT, "%,d", SIZES[SIZES.length - 1]))
                    .append(" | cost ratio (small / large) |\n|---|---|---:|---:|---:|\n");
            for (String mode : figures.keySet()) {
                String placement = placements().get(placements().size() - 1).name();
                for (Case c : cases()) {
                    if (mode.equals(GO) && !servedByGo(c)) {
                        continue;
                    }
                    Row small = find(mode, placement, c.scenario(), SIZES[0]);
                    Row large = find(mode, placement, c.scenario(), SIZES[SIZES.length - 1]);
                    md.append(String.format(
                            Locale.ROOT,
                            "| %s | %s | %.0f | %.0f | %.2f |%n",
                            mode,
                            c.scenario(),
                            small.rps(),
                            large.rps(),
                            small.rps() / large.rps()));
                }
            }
        }
        if (!release.isEmpty()) {
            md.append("\n## Ordered start: gate release latency and Events (JVM, mock API server)\n\n");
            md.append("An OrderedReady set of N gated pods; each pod is made Ready as soon as its gate is gone; latency"
                    + " from the predecessor's Ready status stored to the successor's gate removal seen on a watch"
                    + " (`dev.ordinal.bench.ReleaseLatency`).\n\n");
            md.append(ReleaseLatency.markdown(release));
        }
        Optional<Path> rollouts = rollouts();
        if (rollouts.isPresent()) {
            for (String build : ROLLOUT_BUILDS) {
                md.append("\n")
                        .append(Files.readString(rollouts.get().resolve("rollouts" + build + ".md"))
                                .strip())
                        .append("\n\n");
                md.append("![Rollout timelines](bench/rollouts" + build + ".svg)\n");
            }
        }
        md.append("\n");
        Path notes = Path.of("docs/benchmarks-notes.md");
        if (Files.exists(notes)) {
            md.append(Files.readString(notes));
        }
        return md.toString();
    }

    /** Pods Ready against seconds since the apply, one line per scenario and implementation (RolloutBench's CSV). */
    static void rolloutChart(Path csv, Path svg) throws IOException {
        Map<String, List<Double>> readyTimes = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(csv).stream().skip(1).toList()) {
            String[] f = line.split(",");
            if (f.length >= 6 && !f[5].isBlank()) {
                readyTimes
                        .computeIfAbsent(f[0] + " " + f[1], k -> new ArrayList<>())
                        .add(Double.parseDouble(f[5]));
            }
        }
        List<Charts.Line> lines = new ArrayList<>();
        readyTimes.forEach((name, times) -> {
            List<double[]> points = new ArrayList<>();
            points.add(new double[] {0, 0});
            List<Double> sorted = times.stream().sorted().toList();
            for (int i = 0; i < sorted.size(); i++) {
                points.add(new double[] {sorted.get(i), i + 1});
            }
            lines.add(new Charts.Line(name, points));
        });
        Charts.write(
                svg,
                Charts.timeline(
                        "Rollouts on the real control plane: Ordinal vs StatefulSet",
                        "seconds since kubectl apply",
                        "pods Ready",
                        lines,
                        900,
                        500));
    }

    /** Throughput of every scenario relative to the no-op baseline, and latency percentiles at half rate. */
    void charts(Path dir) throws IOException {
        Optional<Path> rollouts = rollouts();
        if (rollouts.isPresent()) {
            for (String build : ROLLOUT_BUILDS) {
                rolloutChart(
                        rollouts.get().resolve("rollout-timelines" + build + ".csv"),
                        dir.resolve("rollouts" + build + ".svg"));
            }
        }
        List<Charts.Series> ratios = new ArrayList<>();
        for (Map.Entry<String, Row> e : noops.entrySet()) {
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("no-op baseline", 1.0);
            for (Row r : rows) {
                if ((r.mode() + "/" + r.placement()).equals(e.getKey()) && r.setSize() == SIZES[SIZES.length - 1]) {
                    values.put(r.scenario(), r.rps() / r.baselineRps());
                }
            }
            ratios.add(new Charts.Series(
                    e.getKey()
                            + String.format(
                                    Locale.ROOT,
                                    " (reference no-op %.0f req/s)",
                                    e.getValue().rps()),
                    values));
        }
        Charts.write(
                dir.resolve("throughput.svg"),
                Charts.bars(
                        "Throughput vs the no-op endpoint on the same review, same mode and placement ("
                                + String.format(Locale.ROOT, "%,d", SIZES[SIZES.length - 1]) + "-pod set)",
                        "scenario",
                        "× no-op req/s",
                        ratios,
                        false,
                        1000,
                        560));
        List<Charts.Series> latency = new ArrayList<>();
        for (String key : noops.keySet()) {
            for (String pct : List.of("p50", "p99", "p99.9")) {
                Map<String, Double> values = new LinkedHashMap<>();
                for (Row r : halfRate) {
                    if ((r.mode() + "/" + r.placement()).equals(key)) {
                        values.put(
                                r.scenario(),
                                switch (pct) {
                                    case "p50" -> r.p50Ms();
                                    case "p99" -> r.p99Ms();
                                    default -> r.p999Ms();
                                });
                    }
                }
                latency.add(new Charts.Series(key + " " + pct, values));
            }
        }
        Charts.write(
                dir.resolve("latency.svg"),
                Charts.bars(
                        "Latency at half the saturating rate (ms, log scale)",
                        "scenario",
                        "ms",
                        latency,
                        true,
                        1000,
                        560));
    }

    Row find(String mode, String placement, String scenario, int size) {
        return measured(mode, placement, scenario, size).orElseThrow();
    }

    /**
     * Ordinal against the Go reference, in req/s on the largest set, per placement: the figure a user comparing the
     * two sees. Empty unless the Go reference ran.
     */
    String againstGo() {
        if (!figures.containsKey(GO)) {
            return "";
        }
        int largest = SIZES[SIZES.length - 1];
        List<String> ordinal =
                figures.keySet().stream().filter(m -> !m.equals(GO)).toList();
        StringBuilder md = new StringBuilder("\n### Against a stdlib Go webhook\n\n");
        md.append("The Go reference (`src/test/bench/go-webhook`, built by `make bench` with the machine's `go`) is a"
                        + " webhook as a Kubernetes user writes one with Go's standard library only (net/http, crypto/tls,"
                        + " encoding/json): it makes the same identity mutation for a generateName pod and, before it is"
                        + " measured, its patches are checked to make the pods Ordinal's rules make (`GoReference.verify`)."
                        + " It is not Ordinal: it knows the sets from its flags instead of caching the API server's pods, and"
                        + " checks nothing but the set label. Same runs as Ordinal's (TLS, keep-alive, ")
                .append(connections)
                .append(" connections, ")
                .append(String.format(Locale.ROOT, "%,d", largest))
                .append("-pod set); `×` is Ordinal's req/s over Go's.\n\n| placement | scenario | ")
                .append(GO)
                .append(" req/s");
        for (String m : ordinal) {
            md.append(" | Ordinal ").append(m).append(" req/s | ×");
        }
        md.append(" |\n|---|---|---:")
                .append("|---:|---:".repeat(ordinal.size()))
                .append("|\n");
        for (Placement placement : placements()) {
            List<String> scenarios = new ArrayList<>(List.of(noopCase().scenario()));
            cases().stream().filter(Bench::servedByGo).forEach(c -> scenarios.add(c.scenario()));
            for (String scenario : scenarios) {
                Optional<Row> go = measured(GO, placement.name(), scenario, largest);
                if (go.isEmpty()) {
                    continue;
                }
                md.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %.0f",
                        placement.name(),
                        scenario,
                        go.get().rps()));
                for (String m : ordinal) {
                    Optional<Row> o = measured(m, placement.name(), scenario, largest);
                    md.append(o.map(r -> String.format(
                                    Locale.ROOT,
                                    " | %.0f | %.2f",
                                    r.rps(),
                                    r.rps() / go.get().rps()))
                            .orElse(" | – | –"));
                }
                md.append(" |\n");
            }
        }
        return md.toString();
    }

    /** The run of {@code scenario} (the no-op's: its one reference run, on the small set), if it was measured. */
    Optional<Row> measured(String mode, String placement, String scenario, int size) {
        if (scenario.equals(noopCase().scenario())) {
            return Optional.ofNullable(noops.get(mode + "/" + placement));
        }
        return rows.stream()
                .filter(r -> r.mode().equals(mode)
                        && r.placement().equals(placement)
                        && r.scenario().equals(scenario)
                        && r.setSize() == size)
                .findFirst();
    }

    static String row(Row r, Row noop) {
        return String.format(
                Locale.ROOT,
                "| %s | %s | %s | %s | %s | %.0f | %.2f | %.2f | %.2f | %d | %.0f | %.1f | %.2f× | %.2f× |%n",
                r.mode(),
                r.placement(),
                r.endpoint(),
                r.scenario(),
                r == noop ? "–" : String.format(Locale.ROOT, "%,d", r.setSize()),
                r.rps(),
                r.p50Ms(),
                r.p99Ms(),
                r.p999Ms(),
                r.errors(),
                r.cpuUsPerRequest(),
                r.jitUsPerRequest(),
                r.rps() / r.baselineRps(),
                r.rps() / noop.rps());
    }

    static String cpuModel() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                .findFirst()
                .orElse("unknown CPU");
    }

    static void ensureWrk() throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "command -v wrk").start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("wrk is not installed: `make bench` installs it (apt-get install -y wrk)");
        }
    }

    static void log(String format, Object... args) {
        System.out.printf(
                "[bench %s] %s%n", java.time.LocalTime.now().withNano(0), String.format(Locale.ROOT, format, args));
    }
}
