package dev.ordinal.bench;

import static dev.ordinal.identity.OrdinalKeys.ORDERED_GATE;

import dev.ordinal.plan.ControllerEvent;
import dev.ordinal.support.MockApiServer;
import dev.ordinal.support.PackagedApp;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ordered start as the set grows: the packaged app (controller on) against an embedded fabric8 mock API server holding
 * an OrderedReady set of N gated pods, as admission leaves them. Each pod is made Running and Ready as soon as its
 * {@code ordinal.dev/ordered} gate is gone (the kubelet's part, done at once); measured per step: from the
 * predecessor's Ready status stored to the successor's gate removal seen on a watch, and the Events the controller
 * wrote. {@link #main} prints the table for 10, 100 and 1,000 pods ({@code -Drelease.sizes=10,100}).
 */
public final class ReleaseLatency {

    /** One set size: release latency percentiles over its N-1 steps, and Events written for the set. */
    public record Row(
            int size,
            double p50Ms,
            double p99Ms,
            double maxMs,
            long events,
            long waitingEvents,
            long waitingEventsMaxPerPod,
            Duration rollout) {}

    private ReleaseLatency() {}

    public static void main(String[] args) throws Exception {
        int[] sizes = Arrays.stream(
                        System.getProperty("release.sizes", "10,100,1000").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        Path out = Path.of("target/bench");
        Files.createDirectories(out);
        List<Row> rows =
                measure(sizes, List.of(PackagedApp.IMAGE_JVM_OPTIONS.split(" ")), out.resolve("release-app.log"));
        System.out.println();
        System.out.println(markdown(rows));
        System.exit(0);
    }

    /**
     * Starts a mock API server and the packaged app ({@code jvmOptions}, output to {@code log}), measures each of
     * {@code sizes} in its own namespace, stops both.
     */
    public static List<Row> measure(int[] sizes, List<String> jvmOptions, Path log) throws Exception {
        MockApiServer.quietRequestLog();
        KubernetesMockServer mock = MockApiServer.crudResumingWatches();
        KubernetesClient mockClient = mock.createClient();
        // A machine busy with builds can take seconds to answer; the default 10 s request timeout is too tight.
        KubernetesClient client = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(mockClient.getConfiguration())
                        .withRequestTimeout(120_000)
                        .withConnectionTimeout(60_000)
                        .build())
                .build();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("ordinal.controller.enabled", "true");
        props.put("ordinal.controller.identity", "release-latency");
        props.put("ordinal.controller.lease-namespace", "ordinal-system");
        props.put("ordinal.controller.retry-period", "200ms");
        try (PackagedApp app =
                PackagedApp.start(client.getMasterUrl().toString(), Bench.CERTS, props, jvmOptions, log)) {
            app.awaitReady(Duration.ofSeconds(120));
            awaitLeader(client);
            measure(client, "release-warm-up", 10); // not reported: the first set runs on cold JIT code
            List<Row> rows = new ArrayList<>();
            for (int size : sizes) {
                Row row = measure(client, "release-" + size, size);
                Bench.log(
                        "ordered start, %,d pods: release p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d Events (%d %s,"
                                + " at most %d per pod); rollout %.1f s",
                        size,
                        row.p50Ms(),
                        row.p99Ms(),
                        row.maxMs(),
                        row.events(),
                        row.waitingEvents(),
                        ControllerEvent.WAITING_FOR_PREDECESSOR,
                        row.waitingEventsMaxPerPod(),
                        row.rollout().toMillis() / 1000.0);
                rows.add(row);
            }
            return rows;
        } finally {
            client.close();
            mockClient.close();
            mock.destroy();
        }
    }

    /** One OrderedReady set of {@code size} gated pods in {@code ns}, started one readiness step at a time. */
    static Row measure(KubernetesClient client, String ns, int size) throws Exception {
        Map<String, Long> released = new ConcurrentHashMap<>();
        try (Watch watch = client.pods().inNamespace(ns).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                if (action != Action.DELETED && !gated(pod)) {
                    released.putIfAbsent(pod.getMetadata().getName(), System.nanoTime());
                }
            }

            @Override
            public void onClose(WatcherException cause) {}
        })) {
            create(client, ns, size);
            long start = System.nanoTime();
            long[] latencies = new long[size - 1];
            long readyAt = 0;
            for (int n = 0; n < size; n++) {
                String pod = "web-" + n;
                awaitReleased(released, pod, Duration.ofSeconds(30));
                if (n > 0) {
                    latencies[n - 1] = released.get(pod) - readyAt;
                }
                if (n < size - 1) {
                    ready(client, ns, pod);
                    readyAt = System.nanoTime();
                }
            }
            Duration rollout = Duration.ofNanos(System.nanoTime() - start);
            List<Event> events = settledEvents(client, ns);
            Map<String, Long> waitsPerPod = new HashMap<>();
            long waiting = 0;
            long total = 0;
            for (Event e : events) {
                long count = e.getCount() == null ? 1 : e.getCount();
                total += count;
                if (ControllerEvent.WAITING_FOR_PREDECESSOR.equals(e.getReason())) {
                    waiting += count;
                    waitsPerPod.merge(e.getInvolvedObject().getName(), count, Long::sum);
                }
            }
            Arrays.sort(latencies);
            return new Row(
                    size,
                    percentile(latencies, 50),
                    percentile(latencies, 99),
                    latencies.length == 0 ? 0 : latencies[latencies.length - 1] / 1e6,
                    total,
                    waiting,
                    waitsPerPod.values().stream()
                            .mapToLong(Long::longValue)
                            .max()
                            .orElse(0),
                    rollout);
        }
    }

    /** The table for {@code docs/benchmarks.md}. */
    public static String markdown(List<Row> rows) {
        StringBuilder md = new StringBuilder();
        md.append("| set size | release p50 ms | release p99 ms | release max ms | Events written | ")
                .append(ControllerEvent.WAITING_FOR_PREDECESSOR)
                .append(" | most per pod | rollout s |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %,d | %.1f | %.1f | %.1f | %d | %d | %d | %.1f |%n",
                    r.size(),
                    r.p50Ms(),
                    r.p99Ms(),
                    r.maxMs(),
                    r.events(),
                    r.waitingEvents(),
                    r.waitingEventsMaxPerPod(),
                    r.rollout().toMillis() / 1000.0));
        }
        return md.toString();
    }

    private static void create(KubernetesClient client, String ns, int size) {
        for (int n = 0; n < size; n++) {
            Pod pod = PodFixtures.stored("web", n).gate(ORDERED_GATE).pending().build();
            pod.getMetadata().setNamespace(ns);
            client.pods().inNamespace(ns).resource(pod).create();
        }
    }

    private static boolean gated(Pod pod) {
        List<PodSchedulingGate> gates =
                pod.getSpec() == null ? null : pod.getSpec().getSchedulingGates();
        return gates != null && gates.stream().anyMatch(g -> ORDERED_GATE.equals(g.getName()));
    }

    private static void awaitReleased(Map<String, Long> released, String pod, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!released.containsKey(pod)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(pod + " was not released within " + timeout);
            }
            Thread.sleep(1);
        }
    }

    /** The kubelet's part: phase Running, Ready=True (a PUT of the status; retried on a 409). */
    private static void ready(KubernetesClient client, String ns, String name) {
        for (int attempt = 0; ; attempt++) {
            Pod pod = client.pods().inNamespace(ns).withName(name).get();
            pod.setStatus(new PodStatusBuilder()
                    .withPhase("Running")
                    .addNewCondition()
                    .withType("Ready")
                    .withStatus("True")
                    .withLastTransitionTime(Instant.now().toString())
                    .endCondition()
                    .build());
            try {
                client.pods().inNamespace(ns).resource(pod).updateStatus();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt > 50) {
                    throw e;
                }
            }
        }
    }

    /** The Events of {@code ns} once their number has not changed for a second (they are written in the background). */
    private static List<Event> settledEvents(KubernetesClient client, String ns) throws InterruptedException {
        List<Event> events = client.v1().events().inNamespace(ns).list().getItems();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            List<Event> again = client.v1().events().inNamespace(ns).list().getItems();
            if (sum(again) == sum(events)) {
                return again;
            }
            events = again;
        }
        return events;
    }

    private static long sum(List<Event> events) {
        return events.stream()
                .mapToLong(e -> e.getCount() == null ? 1 : e.getCount())
                .sum();
    }

    private static double percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    private static void awaitLeader(KubernetesClient client) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            var lease = client.leases()
                    .inNamespace("ordinal-system")
                    .withName("ordinal-controller")
                    .get();
            if (lease != null && "release-latency".equals(lease.getSpec().getHolderIdentity())) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the app did not take the controller Lease within 60 s");
    }
}
