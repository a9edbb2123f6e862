package dev.ordinal.bench;

import dev.ordinal.support.MockApiServer;
import dev.ordinal.support.PackagedApp;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The smallest heap the packaged app starts with when its first list holds N realistic member pods
 * (PodFixtures.realistic: managed fields, probes, env, a claim-templates annotation; running, not deleting), with
 * the informers listing everything at once ({@code ordinal.cache.list-page-size=0}) and in pages: for each page size
 * and heap, whether the app became ready (and how fast, and its resident memory then) or ran out of heap. The mock API
 * server pages lists as the real one does ({@code ResumingWatchDispatcher}).
 *
 * <p>{@code java [-Dordinal.packaged=native] -Dfirst-list.pods=11010 -Dfirst-list.heaps=96m,128m,160m
 * -Dfirst-list.page-sizes=0,500 -cp $(TEST_CP) dev.ordinal.bench.FirstListHeap}; the JVM runs with the image's
 * options (PackagedApp.IMAGE_JVM_OPTIONS, or {@code -Dfirst-list.jvm="..."}) with the heap replaced. Writes target/bench/first-list-heap.md.
 */
public final class FirstListHeap {

    public static void main(String[] args) throws Exception {
        int pods = Integer.getInteger("first-list.pods", 11_010);
        List<String> heaps = List.of(
                System.getProperty("first-list.heaps", "96m,128m,160m,224m").split(","));
        List<String> pageSizes =
                List.of(System.getProperty("first-list.page-sizes", "0,500").split(","));
        Path runner = PackagedApp.nativeRunner();
        String mode = runner == null ? "JVM" : "native";
        MockApiServer.quietRequestLog();
        Files.createDirectories(Bench.OUT);
        KubernetesMockServer mock = MockApiServer.crudResumingWatches();
        StringBuilder report = new StringBuilder();
        try (KubernetesClient client = mock.createClient()) {
            long seeding = System.nanoTime();
            MockApiServer.seed(client, "first-list", pods, FirstListHeap::runningPod);
            System.out.printf(
                    "seeded %,d realistic pods in %d s%n",
                    pods, Duration.ofNanos(System.nanoTime() - seeding).toSeconds());
            report.append("| build | pods | page size | heap | result | start to ready (ms) | app CPU to ready (s) |"
                            + " mock API server CPU (s) | RSS at ready (MiB) |\n")
                    .append("|---|---:|---:|---|---|---:|---:|---:|---:|\n");
            for (String pageSize : pageSizes) {
                for (String heap : heaps) {
                    String row = start(client, runner, pageSize.trim(), heap.trim());
                    String line = String.format(
                            Locale.ROOT, "| %s | %,d | %s | %s | %s |", mode, pods, pageSize.trim(), heap.trim(), row);
                    System.out.println(line);
                    report.append(line).append('\n');
                }
            }
        } finally {
            mock.destroy();
        }
        Path out = Bench.OUT.resolve("first-list-heap" + (runner == null ? "" : "-native") + ".md");
        Files.writeString(out, report);
        System.out.println("written to " + out);
        // The mock server's and the client's threads would keep this JVM alive after the report.
        System.exit(0);
    }

    /** The realistic fixture as a running member: no deletion timestamp, no finalizer, its scheduling gate lifted. */
    public static Pod runningPod(int n) {
        Pod pod = PodFixtures.realistic("first-list", "set-" + (n / 100), n % 100);
        pod.getMetadata().setName("set-" + (n / 100) + "-" + (n % 100));
        pod.getMetadata().setDeletionTimestamp(null);
        pod.getMetadata().setDeletionGracePeriodSeconds(null);
        pod.getMetadata().setFinalizers(new ArrayList<>());
        pod.getMetadata().setResourceVersion(null);
        pod.getSpec().setSchedulingGates(new ArrayList<>()); // lifted: it runs
        return pod;
    }

    /**
     * One start: "ready | ms | app CPU s | mock CPU s | MiB" or "out of heap (exit 3) | – | – | – | –". The mock's CPU
     * is this JVM's over the start (it serves the lists; nothing else here is busy then).
     */
    private static String start(KubernetesClient client, Path runner, String pageSize, String heap) throws Exception {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("ordinal.controller.enabled", "false");
        props.put("ordinal.cache.list-page-size", pageSize);
        List<String> options = new ArrayList<>();
        for (String option : System.getProperty("first-list.jvm", PackagedApp.IMAGE_JVM_OPTIONS)
                .split("\\s+")) {
            options.add(option.startsWith("-Xmx") ? "-Xmx" + heap : option);
        }
        Path log = Bench.OUT.resolve("first-list-" + pageSize + "-" + heap + ".log");
        long self = ProcessHandle.current().pid();
        long mockCpu = PackagedApp.cpuNanosOf(self);
        try (PackagedApp app =
                PackagedApp.start(client.getMasterUrl().toString(), Bench.CERTS, props, options, log, runner)) {
            try {
                Duration ready = app.awaitReady(Duration.ofSeconds(180));
                return String.format(
                        Locale.ROOT,
                        "ready | %d | %.2f | %.2f | %d",
                        ready.toMillis(),
                        app.cpuNanos() / 1e9,
                        (PackagedApp.cpuNanosOf(self) - mockCpu) / 1e9,
                        app.rssKiB() / 1024);
            } catch (IllegalStateException e) {
                return app.whyNotReady(e) + " | – | – | – | –";
            }
        }
    }
}
