package dev.ordinal.faults;

import static dev.ordinal.support.AdmissionClient.createReview;
import static dev.ordinal.support.AdmissionClient.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ordinal.cluster.ClusterCaches;
import dev.ordinal.controller.ClusterReader;
import dev.ordinal.controller.OrdinalController;
import dev.ordinal.identity.CacheHealth;
import dev.ordinal.identity.Member;
import dev.ordinal.support.AdmissionClient;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 7, fault 3: the API server restarts (every watch drops, the informers reconnect and catch up) several times
 * while pods of an OrderedReady set with a volume are created through the webhooks and started by a controller. No
 * two pods may ever share an ordinal, the start order must hold at every step, and no gate release may be lost.
 */
@QuarkusTest
@TestProfile(FaultsProfile.class)
@WithTestResource(value = FaultyApiServerResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class WatchResetTest {

    static final int PODS = 6;
    /**
     * How long the API server is down on each restart. The middle outage outlasts both the staleness bound (4 s) and
     * the controller's renew deadline (3 s): creations right after it meet a stale cache, and the controller loses
     * and regains the Lease.
     */
    static final List<Duration> DOWN =
            List.of(Duration.ofMillis(1500), Duration.ofMillis(5000), Duration.ofMillis(1500));
    /** Pause between two creations, so creations, releases and restarts interleave (as a slow ReplicaSet's would). */
    static final Duration PACE = Duration.ofMillis(1200);

    @Inject
    ClusterReader cacheReader;

    @Inject
    ClusterCaches caches;

    @Inject
    KubernetesClient appClient;

    /** Held by the API server while it serves a request, and by the restarter while it is down. */
    private final ReentrantLock apiServer = new ReentrantLock();

    private final AtomicInteger denied429 = new AtomicInteger();
    private final AtomicInteger alreadyExists = new AtomicInteger();
    private final List<Throwable> violations = new CopyOnWriteArrayList<>();
    private final List<Long> storedAt = new CopyOnWriteArrayList<>();

    @Test
    void noSharedOrdinalAndNoLostGateReleaseAcrossApiServerRestarts() throws Exception {
        FaultyApiServer server = FaultyApiServerResource.server();
        server.start();
        await().atMost(Duration.ofSeconds(60))
                .until(() ->
                        caches.synced() && caches.staleness().disconnected().isEmpty());
        CacheHealth healthy = caches.health();
        assertThat(healthy)
                .as("while every cache is synced and watching, one value answers, the one the full check computes")
                .isSameAs(caches.health())
                .isEqualTo(new CacheHealth(caches.unsyncedCaches(), caches.staleness(), healthy.maxStaleness()));
        String ns = Cluster.namespace();
        Cluster cluster = new Cluster(server.client());
        // Warm the HTTPS client up: the first request of a run can take seconds.
        send("/mutate-pods", createReview(PodFixtures.member("warm").build(), "warm-up"));

        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        OrdinalController controller = new OrdinalController(
                appClient,
                Controllers.scoped(cacheReader, ns),
                Controllers.settings(ns, "reset-test"),
                metrics,
                Clock.systemUTC());
        long started = System.nanoTime();
        CompletableFuture<Void> creator = null;
        CompletableFuture<Void> kubelet = null;
        AtomicInteger kubeletOn = new AtomicInteger(1);
        AtomicInteger leaderships = new AtomicInteger(1);
        CompletableFuture<Void> leaderWatch = null;
        List<Duration> catchUp = new ArrayList<>();
        // Own threads: the common pool may have fewer threads than these three loops that never yield.
        ExecutorService loops = Executors.newFixedThreadPool(3);
        try {
            controller.start();
            await().atMost(Duration.ofSeconds(30)).until(controller::isLeader);
            leaderWatch = CompletableFuture.runAsync(
                    () -> {
                        boolean was = true;
                        while (kubeletOn.get() == 1) {
                            boolean is = controller.isLeader();
                            if (is && !was) {
                                leaderships.incrementAndGet();
                            }
                            was = is;
                            sleep(20);
                        }
                    },
                    loops);
            creator = CompletableFuture.runAsync(
                    () -> {
                        for (int i = 0; i < PODS; i++) {
                            admitAndStore(cluster, ns);
                            sleep(PACE.toMillis());
                        }
                    },
                    loops);
            kubelet = CompletableFuture.runAsync(
                    () -> {
                        while (kubeletOn.get() == 1) {
                            kubeletStep(cluster, ns);
                        }
                    },
                    loops);

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !cluster.pods(ns, "web").isEmpty());
            long firstStop = System.nanoTime();
            for (Duration down : DOWN) {
                apiServer.lock();
                try {
                    server.stop();
                    Thread.sleep(down.toMillis());
                    server.start();
                } finally {
                    apiServer.unlock();
                }
                long back = System.nanoTime();
                await().atMost(Duration.ofSeconds(45))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> caches.staleness().disconnected().isEmpty());
                catchUp.add(Figures.since(back));
                Thread.sleep(1500);
            }
            long lastCatchUp = System.nanoTime();
            creator.get(90, TimeUnit.SECONDS);
            long during = storedAt.stream()
                    .filter(t -> t >= firstStop && t <= lastCatchUp)
                    .count();
            Figures.record("3-watch-reset.pods-stored-between-first-and-last-restart", during + " of " + PODS);
            assertThat(during)
                    .as("pods created while the API server was being restarted")
                    .isGreaterThanOrEqualTo(2);
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> {
                        List<Pod> pods = cluster.pods(ns, "web");
                        assertThat(pods).hasSize(PODS);
                        assertThat(pods).as("every pod ungated and Ready").allSatisfy(p -> {
                            assertThat(Cluster.gates(p))
                                    .as("gates of %s", p.getMetadata().getName())
                                    .isEmpty();
                            assertThat(Member.isRunningAndReady(p))
                                    .as("%s Ready", p.getMetadata().getName())
                                    .isTrue();
                        });
                    });
        } finally {
            kubeletOn.set(0);
            if (kubelet != null) {
                kubelet.get(30, TimeUnit.SECONDS);
            }
            if (leaderWatch != null) {
                leaderWatch.get(30, TimeUnit.SECONDS);
            }
            controller.close();
            loops.shutdownNow();
        }
        Duration total = Figures.since(started);
        assertThat(violations)
                .as("invariant violations seen while pods were created")
                .isEmpty();
        Map<Integer, Pod> byOrdinal = cluster.assertInvariants(ns, "web");
        assertThat(byOrdinal.keySet()).as("ordinals").containsExactly(0, 1, 2, 3, 4, 5);
        Map<String, Long> claimCreates = server
                .answered(a -> "POST".equals(a.method())
                        && a.path().equals("/api/v1/namespaces/" + ns + "/persistentvolumeclaims")
                        && a.code() == 201)
                .stream()
                .collect(Collectors.groupingBy(FaultyApiServer.Answered::name, TreeMap::new, Collectors.counting()));
        assertThat(claimCreates)
                .as("PVCs created, by name")
                .containsOnlyKeys("data-web-0", "data-web-1", "data-web-2", "data-web-3", "data-web-4", "data-web-5")
                .allSatisfy((k, v) -> assertThat(v).isOne());
        double released = metrics.find("ordinal.controller.gates.released").counters().stream()
                .mapToDouble(c -> c.count())
                .sum();

        Figures.record(
                "3-watch-reset.restarts",
                DOWN.stream().map(Figures::seconds).collect(Collectors.joining(", ")) + " down, while " + PODS
                        + " pods were created and started");
        Figures.record(
                "3-watch-reset.controller-lease-acquired",
                leaderships.get() + " times (the " + Figures.seconds(DOWN.get(1))
                        + " outage outlasts the 3 s renew deadline)");
        Figures.record(
                "3-watch-reset.cache-caught-up-after-restart",
                catchUp.stream().map(Figures::seconds).collect(Collectors.joining(", ")));
        Figures.record(
                "3-watch-reset.retries",
                denied429.get() + " reviews denied 429 (stale or syncing), " + alreadyExists.get() + " AlreadyExists");
        Figures.record(
                "3-watch-reset.gates-released",
                String.format(
                        java.util.Locale.ROOT,
                        "%.0f (claims and ordered gates; how many admission set depends on what was Ready by then)",
                        released));
        Figures.record("3-watch-reset.all-ready-after", Figures.seconds(total));
    }

    /**
     * A mini admission chain, as the API server runs it for a ReplicaSet: mutate, validate, store. A 429 or an
     * AlreadyExists is retried from the start, as the ReplicaSet controller would. The lock keeps the API server up
     * for the length of one request (it drains requests before it stops).
     */
    private void admitAndStore(Cluster cluster, String ns) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            apiServer.lock();
            try {
                ObjectNode review = createReview(
                        PodFixtures.member("web").ephemeralVolume("data").build(), ns);
                JsonNode mutated = send("/mutate-pods", review);
                if (retryable(mutated)) {
                    continue;
                }
                Pod pod = AdmissionClient.toPod(AdmissionClient.patched(review, mutated));
                JsonNode validated = send("/validate-pods", createReview(pod, ns));
                if (retryable(validated)) {
                    continue;
                }
                try {
                    cluster.create(ns, pod);
                    storedAt.add(System.nanoTime());
                    return;
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                        throw e;
                    }
                    alreadyExists.incrementAndGet();
                }
            } finally {
                apiServer.unlock();
                sleep(100);
            }
        }
        throw new AssertionError("could not create a pod within 90 s");
    }

    /** True for a retryable denial (429, or 409 for an ordinal a live pod holds); fails on any other denial. */
    private boolean retryable(JsonNode response) {
        if (response.path("allowed").asBoolean()) {
            return false;
        }
        int code = response.path("status").path("code").asInt();
        if (code == 429) {
            denied429.incrementAndGet();
            return true;
        }
        if (code == 409) {
            alreadyExists.incrementAndGet();
            return true;
        }
        throw new AssertionError("not retryable: " + response);
    }

    /** Kubelet: starts pods whose gates are gone; also checks the invariants on every step while the API is up. */
    private void kubeletStep(Cluster cluster, String ns) {
        try {
            cluster.kubeletStep(ns, "web");
            cluster.assertInvariants(ns, "web");
        } catch (KubernetesClientException e) {
            // the API server is down: kubelet retries
        } catch (AssertionError e) {
            violations.add(e);
        }
        sleep(150);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
