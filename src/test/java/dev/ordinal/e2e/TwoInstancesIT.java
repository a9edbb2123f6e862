package dev.ordinal.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.sim.AdmissionChain;
import dev.ordinal.sim.ApiException;
import dev.ordinal.sim.KubeletSim;
import dev.ordinal.sim.PodTemplates;
import dev.ordinal.sim.Requester;
import dev.ordinal.sim.SetInvariants;
import dev.ordinal.sim.SimApiServer;
import dev.ordinal.sim.SimulatedCluster;
import dev.ordinal.support.E2eCluster;
import dev.ordinal.support.PackagedApp;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two replicas of the packaged app (as the Deployment in deploy/base runs them) against one simulated API server,
 * each with its own caches and reservations, the controller leader-elected between them. The chain sends every
 * review to one of the two at random. However the requests race, no two pods ever get one ordinal: the loser of a
 * race gets {@code AlreadyExists} from storage. Runs after {@code package} (failsafe).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoInstancesIT {

    static final Path TEST_TLS = Path.of("src/test/resources/tls");
    static final Duration TIMEOUT = Duration.ofSeconds(40);

    static SimApiServer api;
    static PackagedApp a;
    static PackagedApp b;
    static Path logs;

    @BeforeAll
    static void startTwoInstances() throws Exception {
        logs = Files.createDirectories(Path.of("target", "two-instances-it"));
        api = SimApiServer.start();
        a = start("ordinal-a");
        b = start("ordinal-b");
        awaitReady(a, "ordinal-a");
        awaitReady(b, "ordinal-b");
    }

    @AfterAll
    static void stop() throws Exception {
        for (PackagedApp app : new PackagedApp[] {a, b}) {
            if (app != null) {
                app.close(); // a no-op for one already stopped
            }
        }
        if (api != null) {
            api.close();
        }
    }

    @Test
    void simultaneousRequestsToBothReplicasNeverShareAnOrdinal() throws Exception {
        String ns = E2eCluster.namespace();
        AdmissionChain viaA = chain(a);
        AdmissionChain viaB = chain(b);
        Pod template = parallelWithoutVolumes("race");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        int alreadyExists = 0;
        try {
            for (int round = 0; round < 15; round++) {
                CyclicBarrier barrier = new CyclicBarrier(2);
                List<Future<String>> outcomes = new ArrayList<>();
                for (AdmissionChain chain : List.of(viaA, viaB)) {
                    outcomes.add(pool.submit(() -> {
                        barrier.await(10, TimeUnit.SECONDS);
                        try {
                            return chain.create(ns, template, Requester.REPLICASET_CONTROLLER, false)
                                    .pod()
                                    .getMetadata()
                                    .getName();
                        } catch (ApiException e) {
                            return e.reason() + ": " + e.getMessage();
                        }
                    }));
                }
                for (Future<String> f : outcomes) {
                    String outcome = f.get(30, TimeUnit.SECONDS);
                    if (outcome.startsWith("AlreadyExists")) {
                        alreadyExists++;
                    } else {
                        assertThat(outcome)
                                .as("a create either stores race-n or loses with AlreadyExists")
                                .matches("race-[0-9]+");
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        List<Pod> stored = api.client().pods().inNamespace(ns).list().getItems();
        assertOneIdentityPerOrdinal(stored, "race");
        assertThat(stored).hasSize(30 - alreadyExists);
        System.out.printf(
                "two replicas, 15 simultaneous pairs: %d stored, %d lost the race with AlreadyExists%n",
                stored.size(), alreadyExists);
        assertThat(alreadyExists)
                .as("with both replicas answering at once, some pairs chose the same ordinal")
                .isPositive();
    }

    @Test
    void manyCreatorsSpreadOverBothReplicasGetDistinctOrdinals() throws Exception {
        String ns = E2eCluster.namespace();
        AdmissionChain both = SimulatedCluster.ordinalChain(
                api.client(),
                TEST_TLS.resolve("tls.crt"),
                List.of(URI.create(a.webhookUrl()), URI.create(b.webhookUrl())),
                List.of(),
                List.of());
        Pod template = parallelWithoutVolumes("load");
        AtomicInteger stored = new AtomicInteger();
        AtomicInteger conflicts = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Void>> creators = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                creators.add(() -> {
                    while (stored.get() < 40) {
                        try {
                            both.create(ns, template, Requester.REPLICASET_CONTROLLER, false);
                            stored.incrementAndGet();
                        } catch (ApiException e) {
                            assertThat(e.reason()).as(e.getMessage()).isEqualTo("AlreadyExists");
                            conflicts.incrementAndGet(); // a ReplicaSet simply creates again
                        }
                    }
                    return null;
                });
            }
            for (Future<Void> f : pool.invokeAll(creators, 60, TimeUnit.SECONDS)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        List<Pod> pods = api.client().pods().inNamespace(ns).list().getItems();
        assertOneIdentityPerOrdinal(pods, "load");
        assertThat(both.calls())
                .extracting(AdmissionChain.WebhookCall::instance)
                .as("both replicas served")
                .contains(
                        URI.create(a.webhookUrl()).getAuthority(),
                        URI.create(b.webhookUrl()).getAuthority());
        System.out.printf(
                "8 creators over 2 replicas: %d pods, %d AlreadyExists retried%n", pods.size(), conflicts.get());
    }

    @Test
    void orderedStartThroughBothReplicasWithTheLeaderElectedController() {
        String ns = E2eCluster.namespace();
        AdmissionChain both = SimulatedCluster.ordinalChain(
                api.client(),
                TEST_TLS.resolve("tls.crt"),
                List.of(URI.create(a.webhookUrl()), URI.create(b.webhookUrl())),
                List.of(),
                List.of());
        try (SimulatedCluster cluster = new SimulatedCluster(api.client(), both, ns, KubeletSim.Timing.fast())) {
            cluster.replicaSet("web-5d8f9c7b6", PodTemplates.member("web", Map.of()), 4);
            cluster.observer().await("web-0…web-3 Running and Ready", TIMEOUT, o -> o.readyExactly("web", 4));
            assertThat(cluster.observer().readyOrder()).containsExactly("web-0", "web-1", "web-2", "web-3");
            assertThat(cluster.observer().maxStartingAtOnce("web")).isEqualTo(1);
            assertThat(cluster.observer().claims()).hasSize(4);
            assertThat(cluster.observer().violations()).isEmpty();
            Lease lease = api.client()
                    .leases()
                    .inNamespace("ordinal-system")
                    .withName("ordinal-controller")
                    .get();
            assertThat(lease.getSpec().getHolderIdentity()).isIn("ordinal-a", "ordinal-b");
            List<String> reporters = cluster.observer().events().stream()
                    .filter(e -> "ordinal-controller".equals(e.getSource().getComponent()))
                    .map(e -> e.getReportingInstance())
                    .distinct()
                    .toList();
            assertThat(reporters)
                    .as("only the leader acted")
                    .containsExactly(lease.getSpec().getHolderIdentity());
        }
    }

    /** Last: it stops the leader. The survivor takes the Lease and finishes what the set needs. */
    @Test
    void manySetsCreatedAtOnceEachEndWithDistinctOrdinalsAndOneClaimPerOrdinal() throws Exception {
        String ns = E2eCluster.namespace();
        int sets = 6;
        int perSet = 6;
        AdmissionChain both = SimulatedCluster.ordinalChain(
                api.client(),
                TEST_TLS.resolve("tls.crt"),
                List.of(URI.create(a.webhookUrl()), URI.create(b.webhookUrl())),
                List.of(),
                List.of());
        Map<String, AtomicInteger> stored = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicInteger conflicts = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Callable<Void>> creators = new ArrayList<>();
            for (int t = 0; t < 12; t++) {
                creators.add(() -> {
                    while (stored.values().stream().mapToInt(AtomicInteger::get).sum() < sets * perSet) {
                        String set = "load-" + Math.floorMod(next.getAndIncrement(), sets);
                        AtomicInteger count = stored.computeIfAbsent(set, k -> new AtomicInteger());
                        if (count.get() >= perSet) {
                            continue;
                        }
                        // Parallel with a volume: every pod is admitted at once and waits only for its claim.
                        Pod template = PodTemplates.member(
                                set,
                                Map.of(
                                        OrdinalKeys.POLICY_ANNOTATION,
                                        "Parallel",
                                        OrdinalKeys.CREATE_SERVICE_ANNOTATION,
                                        "false"));
                        try {
                            if (count.incrementAndGet() > perSet) {
                                count.decrementAndGet();
                                continue;
                            }
                            both.create(ns, template, Requester.REPLICASET_CONTROLLER, false);
                        } catch (ApiException e) {
                            count.decrementAndGet();
                            assertThat(e.reason()).as(e.getMessage()).isEqualTo("AlreadyExists");
                            conflicts.incrementAndGet(); // a ReplicaSet simply creates again
                        }
                    }
                    return null;
                });
            }
            for (Future<Void> f : pool.invokeAll(creators, 90, TimeUnit.SECONDS)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        List<Pod> pods = api.client().pods().inNamespace(ns).list().getItems();
        for (int i = 0; i < sets; i++) {
            String set = "load-" + i;
            List<Pod> members = pods.stream()
                    .filter(p -> set.equals(p.getMetadata().getLabels().get(OrdinalKeys.SET_LABEL)))
                    .toList();
            assertThat(members).as("pods of %s", set).hasSize(perSet);
            assertOneIdentityPerOrdinal(members, set);
        }
        // The leader creates one claim per ordinal and lifts every claims gate.
        await().atMost(TIMEOUT).untilAsserted(() -> {
            for (int i = 0; i < sets; i++) {
                String set = "load-" + i;
                List<String> claims = api
                        .client()
                        .persistentVolumeClaims()
                        .inNamespace(ns)
                        .withLabel(OrdinalKeys.SET_LABEL, set)
                        .list()
                        .getItems()
                        .stream()
                        .map(c -> c.getMetadata().getName())
                        .sorted()
                        .toList();
                List<String> expected = java.util.stream.IntStream.range(0, perSet)
                        .mapToObj(n -> "data-" + set + "-" + n)
                        .sorted()
                        .toList();
                assertThat(claims).as("claims of %s", set).isEqualTo(expected);
            }
            assertThat(api.client().pods().inNamespace(ns).list().getItems())
                    .allSatisfy(p -> assertThat(p.getSpec().getSchedulingGates())
                            .as(p.getMetadata().getName())
                            .isNullOrEmpty());
        });
        long millis = (System.nanoTime() - started) / 1_000_000;
        String figures = String.format(
                java.util.Locale.ROOT,
                "%d sets x %d pods created at once by 12 creators over"
                        + " 2 replicas: %d pods, %d AlreadyExists conflicts retried, every set distinct ordinals 0-%d and one"
                        + " claim per ordinal, all gates lifted in %d ms%n",
                sets,
                perSet,
                pods.size(),
                conflicts.get(),
                perSet - 1,
                millis);
        System.out.print(figures);
        Files.createDirectories(Path.of("target", "reliability"));
        Files.writeString(Path.of("target", "reliability", "concurrency.txt"), figures);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void theOtherReplicaTakesOverWhenTheLeaderStops() throws Exception {
        Lease lease = api.client()
                .leases()
                .inNamespace("ordinal-system")
                .withName("ordinal-controller")
                .get();
        PackagedApp leader = "ordinal-a".equals(lease.getSpec().getHolderIdentity()) ? a : b;
        PackagedApp survivor = leader == a ? b : a;
        String survivorName = survivor == a ? "ordinal-a" : "ordinal-b";
        leader.close();
        // The Service no longer routes to the stopped replica.
        AdmissionChain viaSurvivor = chain(survivor);
        String ns = E2eCluster.namespace();
        try (SimulatedCluster cluster = new SimulatedCluster(api.client(), viaSurvivor, ns, KubeletSim.Timing.fast())) {
            cluster.replicaSet("db-7c9d8b5f4", PodTemplates.member("db", Map.of()), 3);
            cluster.observer().await("db-0…db-2 Running and Ready", TIMEOUT, o -> o.readyExactly("db", 3));
            assertThat(cluster.observer().readyOrder()).containsExactly("db-0", "db-1", "db-2");
            assertThat(cluster.observer().violations()).isEmpty();
        }
        assertThat(api.client()
                        .leases()
                        .inNamespace("ordinal-system")
                        .withName("ordinal-controller")
                        .get()
                        .getSpec()
                        .getHolderIdentity())
                .isEqualTo(survivorName);
    }

    private static void assertOneIdentityPerOrdinal(List<Pod> pods, String set) {
        Map<Integer, String> byOrdinal = new HashMap<>();
        for (Pod p : pods) {
            int n = SetInvariants.ordinalOf(set, p.getMetadata().getName());
            assertThat(n).as("name %s", p.getMetadata().getName()).isNotNegative();
            assertThat(byOrdinal.put(n, p.getMetadata().getName()))
                    .as("ordinal %d held twice", n)
                    .isNull();
            assertThat(p.getMetadata().getLabels()).containsEntry(OrdinalKeys.POD_INDEX_LABEL, Integer.toString(n));
        }
        assertThat(SetInvariants.state(pods, java.util.Set.of(), c -> true)).isEmpty();
    }

    private static Pod parallelWithoutVolumes(String set) {
        Pod pod = PodTemplates.member(
                set, Map.of(OrdinalKeys.POLICY_ANNOTATION, "Parallel", OrdinalKeys.CREATE_SERVICE_ANNOTATION, "false"));
        pod.getSpec().setVolumes(List.of());
        pod.getSpec().getContainers().get(0).setVolumeMounts(List.of());
        return pod;
    }

    private static AdmissionChain chain(PackagedApp app) {
        return SimulatedCluster.ordinalChain(
                api.client(), TEST_TLS.resolve("tls.crt"), List.of(URI.create(app.webhookUrl())), List.of(), List.of());
    }

    private static PackagedApp start(String name) throws IOException {
        return PackagedApp.start(
                api.url(),
                TEST_TLS,
                Map.of(
                        "ordinal.controller.enabled", "true",
                        // the simulator calls the webhook inside its own request handling: no nested live list
                        "ordinal.admission.live-check", "false",
                        "ordinal.controller.identity", name,
                        "ordinal.controller.lease-namespace", "ordinal-system",
                        "ordinal.controller.lease-duration", "4s",
                        "ordinal.controller.renew-deadline", "3s",
                        "ordinal.controller.retry-period", "500ms",
                        "ordinal.controller.resync-period", "2s"),
                List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m"),
                logs.resolve(name + ".log"));
    }

    private static void awaitReady(PackagedApp app, String name) throws Exception {
        try {
            app.awaitReady(Duration.ofSeconds(90));
        } catch (IllegalStateException e) {
            throw new IllegalStateException(
                    name + ": " + e.getMessage() + "; log:\n" + Files.readString(logs.resolve(name + ".log")), e);
        }
    }
}
