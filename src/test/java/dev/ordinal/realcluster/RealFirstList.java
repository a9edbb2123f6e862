package dev.ordinal.realcluster;

import static org.awaitility.Awaitility.await;

import dev.ordinal.bench.Bench;
import dev.ordinal.bench.FirstListHeap;
import dev.ordinal.support.PackagedApp;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * Start to ready of the packaged app against the real API server (v1.35, its watch cache serving the lists) holding N
 * running member pods (realistic, or the benchmark's small ones), with the informers listing everything at once
 * ({@code ordinal.cache.list-page-size=0}) and in pages. {@link FirstListHeap} measures the same on the mock API
 * server, whose own work on a first page (it builds and parses the whole list) shares the two cores with the app; here
 * the server is the one that counts, and the report shows apart what the app and the control plane spent until ready.
 *
 * <p>{@code flock /tmp/ordinal-realcluster.lock java -Dfirst-list.pods=11010 -Dfirst-list.fixture=realistic|small
 * -Dfirst-list.builds=jvm,native -Dfirst-list.page-sizes=0,500 -Dfirst-list.runs=3 -cp $(TEST_CP)
 * dev.ordinal.realcluster.RealFirstList}. The app runs with the image's options ({@link PackagedApp#imageOptions(Path)};
 * {@code -Dfirst-list.heap=160m} replaces the heap), the controller off, as the ordinal ServiceAccount of deploy/.
 * Runs alternate between the builds and the page sizes. Writes target/bench/first-list-real-{realistic,small}.md.
 */
public final class RealFirstList {

    private static final String NAMESPACE = "first-list";
    private static final String NODE = "node-1"; // the realistic fixture's spec.nodeName

    public static void main(String[] args) throws Exception {
        int pods = Integer.getInteger("first-list.pods", 11_010);
        int runs = Integer.getInteger("first-list.runs", 3);
        String fixture = System.getProperty("first-list.fixture", "realistic");
        if (!fixture.equals("realistic") && !fixture.equals("small")) {
            throw new IllegalArgumentException("first-list.fixture: realistic or small, not " + fixture);
        }
        boolean small = fixture.equals("small");
        List<String> pageSizes =
                List.of(System.getProperty("first-list.page-sizes", "0,500").split(","));
        // The builds measured against one seeded control plane.
        Map<String, Path> builds = new LinkedHashMap<>();
        for (String build :
                System.getProperty("first-list.builds", "jvm,native").split(",")) {
            switch (build.trim()) {
                case "jvm" -> builds.put("JVM", null);
                case "native" -> builds.put("native", PackagedApp.builtNativeRunner());
                default -> throw new IllegalArgumentException("first-list.builds: jvm or native, not " + build);
            }
        }
        String heap = System.getProperty("first-list.heap");
        Path work = Path.of("target", "first-list-real").toAbsolutePath();
        RealCluster.deleteRecursively(work);
        Files.createDirectories(work);
        Files.createDirectories(RealCluster.WORK);
        Path out = Path.of("target", "bench");
        Files.createDirectories(out);
        int code = 0;
        try (ControlPlane cp = ControlPlane.start(KubeBinaries.ensureBuilt(work), work.resolve("control-plane"))) {
            KubernetesClient admin = cp.admin();
            long seeding = System.nanoTime();
            seed(admin, pods, small ? Bench::cachedPod : FirstListHeap::runningPod);
            System.out.printf(
                    "seeded %,d %s running pods in %d s%n",
                    pods,
                    small ? "small" : "realistic",
                    Duration.ofNanos(System.nanoTime() - seeding).toSeconds());
            Kubectl kubectl = new Kubectl(cp.bin.resolve("kubectl"), cp.adminKubeconfig());
            RealCluster.generateCertificates();
            // Applied after the seeding: the webhook has no say in these pods, only Ordinal's RBAC is needed.
            kubectl.run("apply", "-k", RealCluster.OVERLAY).orFail();
            Path kubeconfig = work.resolve("ordinal.kubeconfig");
            cp.writeKubeconfig(kubeconfig, RealCluster.awaitToken(kubectl));

            // What a list at once brings in: the pods as the API server serves them, with its managed fields and
            // defaults (the mock serves the fixture as it was stored).
            long listBytes = kubectl.run("get", "--raw", "/api/v1/pods?labelSelector=ordinal.dev%2Fset")
                    .orFail()
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)
                    .length;
            StringBuilder report = new StringBuilder(String.format(
                    Locale.ROOT,
                    "Real API server, %,d %s running member pods (one list of them: %.1f MB, %,d bytes a pod),"
                            + " controller off, the image's options.%n%n",
                    pods,
                    small ? "small (the benchmark's)" : "realistic",
                    listBytes / 1e6,
                    listBytes / pods));
            report.append("| build | options | page size | run | start to ready (ms) | app CPU to ready (s) |"
                            + " control plane CPU (s) | pod list requests | RSS at ready (MiB) |\n")
                    .append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (int run = 1; run <= runs; run++) {
                for (Map.Entry<String, Path> build : builds.entrySet()) {
                    List<String> options = new ArrayList<>(PackagedApp.imageOptions(build.getValue()));
                    if (heap != null) {
                        options.replaceAll(o -> o.startsWith("-Xmx") ? "-Xmx" + heap : o);
                    }
                    for (String pageSize : pageSizes) {
                        Path log = work.resolve(build.getKey() + "-" + pageSize.trim() + "-" + run + ".log");
                        String row = start(cp, kubeconfig, options, build.getValue(), pageSize.trim(), log);
                        String line = String.format(
                                Locale.ROOT,
                                "| %s | `%s` | %s | %d | %s |",
                                build.getKey(),
                                String.join(" ", options),
                                pageSize.trim(),
                                run,
                                row);
                        System.out.println(line);
                        report.append(line).append('\n');
                    }
                }
            }
            Path file = out.resolve("first-list-real-" + (small ? "small" : "realistic") + ".md");
            Files.writeString(file, report);
            System.out.println("written to " + file);
        } catch (Exception | AssertionError e) {
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    /**
     * Creates {@code fixture(0)} … {@code fixture(pods - 1)} as running pods bound to {@link #NODE}: created without
     * what the API server owns (uid, resourceVersion, managed fields) and without an owner reference, whose ReplicaSet
     * is not there (the garbage collector would delete the pods), then given the fixture's status.
     */
    private static void seed(KubernetesClient admin, int pods, IntFunction<Pod> fixture) throws Exception {
        admin.nodes()
                .resource(new NodeBuilder()
                        .withNewMetadata()
                        .withName(NODE)
                        .endMetadata()
                        .build())
                .create();
        admin.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(NAMESPACE)
                        .endMetadata()
                        .build())
                .create();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> admin.serviceAccounts()
                                .inNamespace(NAMESPACE)
                                .withName("default")
                                .get()
                        != null);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> created = new ArrayList<>();
            for (int n = 0; n < pods; n++) {
                int ordinal = n;
                created.add(pool.submit(() -> {
                    Pod pod = fixture.apply(ordinal);
                    pod.getSpec().setNodeName(NODE);
                    PodStatus status = pod.getStatus();
                    pod.setStatus(null);
                    pod.getMetadata().setNamespace(NAMESPACE);
                    pod.getMetadata().setUid(null);
                    pod.getMetadata().setManagedFields(null);
                    pod.getMetadata().setCreationTimestamp(null);
                    pod.getMetadata().setGeneration(null);
                    pod.getMetadata().setOwnerReferences(null);
                    Pod stored =
                            admin.pods().inNamespace(NAMESPACE).resource(pod).create();
                    stored.setStatus(status);
                    admin.pods().inNamespace(NAMESPACE).resource(stored).updateStatus();
                    return null;
                }));
            }
            for (Future<?> f : created) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * One start: "ms | app CPU s | control plane CPU s | pod list requests | MiB", or why it did not become ready
     * ("out of heap (exit 3)") and dashes.
     */
    private static String start(
            ControlPlane cp, Path kubeconfig, List<String> options, Path runner, String pageSize, Path log)
            throws Exception {
        Map<String, String> env = Map.of(
                "POD_NAMESPACE", "ordinal-system",
                "ORDINAL_CONTROLLER_ENABLED", "false",
                "ORDINAL_CACHE_LIST_PAGE_SIZE", pageSize);
        long since = System.currentTimeMillis();
        long controlPlaneCpu = cp.cpuNanos();
        try (PackagedApp app =
                PackagedApp.startWithKubeconfig(kubeconfig, RealCluster.CERTS, env, options, log, runner)) {
            Duration ready;
            try {
                ready = app.awaitReady(Duration.ofSeconds(180));
            } catch (IllegalStateException e) {
                return app.whyNotReady(e) + " | – | – | – | –";
            }
            long appCpu = app.cpuNanos();
            long serverCpu = cp.cpuNanos() - controlPlaneCpu;
            long rss = app.rssKiB() / 1024;
            int lists = cp.clusterWideListsSince(RealControlPlaneIT.ORDINAL_SA, "pods", since)
                    .size();
            return String.format(
                    Locale.ROOT,
                    "%d | %.2f | %.2f | %d | %d",
                    ready.toMillis(),
                    appCpu / 1e9,
                    serverCpu / 1e9,
                    lists,
                    rss);
        }
    }
}
