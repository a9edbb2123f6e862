package dev.ordinal.faults;

import static dev.ordinal.identity.OrdinalKeys.CLAIMS_GATE;
import static dev.ordinal.identity.OrdinalKeys.ORDERED_GATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.cluster.ClusterCaches;
import dev.ordinal.controller.ClusterReader;
import dev.ordinal.controller.OrdinalController;
import dev.ordinal.identity.ClaimTemplates;
import dev.ordinal.identity.Member;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.plan.ControllerEvent;
import dev.ordinal.support.DualLeadershipWatch;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplateBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 7, fault 4: the leader crashes in the middle of a reconcile, between its PVC create reaching storage and the
 * answer reaching it, with gated pods still waiting for claims and ordering. The crash is simulated without any
 * test hook in the controller: the leader talks to the cluster through its own API server front-end (same storage),
 * which the test cuts off before closing the leader, so it can neither finish nor release the Lease. The other
 * replica must take over within the lease duration, finish the work, and create no PVC twice.
 */
@QuarkusTest
@TestProfile(FaultsProfile.class)
@WithTestResource(value = FaultyApiServerResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class LeaderLostTest {

    static final int PODS = 3;
    /** The leader's create of this claim is stored but answered late; the leader dies while it waits. */
    static final String CLAIM_IN_FLIGHT = "data-web-1";

    @Inject
    ClusterReader cacheReader;

    @Inject
    ClusterCaches caches;

    @Test
    void anotherReplicaTakesOverWithinTheLeaseDurationAndFinishesWithoutCreatingAClaimTwice() throws Exception {
        FaultyApiServer server = FaultyApiServerResource.server();
        server.start();
        await().atMost(Duration.ofSeconds(60))
                .until(() ->
                        caches.synced() && caches.staleness().disconnected().isEmpty());
        String ns = Cluster.namespace();
        Cluster cluster = new Cluster(server.client());
        ClusterReader reader = Controllers.scoped(cacheReader, ns);
        String claims = "/api/v1/namespaces/" + ns + "/persistentvolumeclaims";
        server.delayAnswers(
                a -> "POST".equals(a.method()) && a.path().equals(claims) && CLAIM_IN_FLIGHT.equals(a.name()),
                Duration.ofSeconds(5));

        KubernetesMockServer doomedLink = server.secondFrontEnd();
        KubernetesClient doomedClient =
                FaultyApiServer.client(doomedLink.url("/").replaceAll("/$", ""));
        SimpleMeterRegistry doomedMetrics = new SimpleMeterRegistry();
        SimpleMeterRegistry survivorMetrics = new SimpleMeterRegistry();
        OrdinalController doomed = new OrdinalController(
                doomedClient, reader, Controllers.settings(ns, "doomed"), doomedMetrics, Clock.systemUTC());
        OrdinalController survivor = new OrdinalController(
                server.client(), reader, Controllers.settings(ns, "survivor"), survivorMetrics, Clock.systemUTC());
        DualLeadershipWatch watcher = DualLeadershipWatch.start(doomed::isLeader, survivor::isLeader);
        try {
            doomed.start();
            await().atMost(Duration.ofSeconds(30)).until(doomed::isLeader);
            survivor.start();

            for (int n = 0; n < PODS; n++) {
                PodFixtures pod = PodFixtures.stored("web", n)
                        .gate(CLAIMS_GATE)
                        .pending()
                        .annotation(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION, claimTemplates());
                if (n > 0) {
                    pod.gate(ORDERED_GATE);
                }
                cluster.create(
                        ns,
                        new PodBuilder(pod.build())
                                .editSpec()
                                .addNewVolume()
                                .withName("data")
                                .withNewPersistentVolumeClaim("data-web-" + n, false)
                                .endVolume()
                                .endSpec()
                                .build());
            }

            // The leader has sent the create of CLAIM_IN_FLIGHT (stored, answer pending): it crashes now.
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> !server.answered(a -> "POST".equals(a.method()) && CLAIM_IN_FLIGHT.equals(a.name()))
                            .isEmpty());
            doomedLink.destroy();
            long crash = System.nanoTime();
            doomed.close(); // its release of the Lease cannot reach the API server: the Lease stays taken
            assertThat(survivor.isLeader())
                    .as("the survivor leads only once the Lease expired")
                    .isFalse();

            await().atMost(Controllers.LEASE_DURATION.plusSeconds(10))
                    .pollInterval(Duration.ofMillis(50))
                    .until(survivor::isLeader);
            Duration takeover = Figures.since(crash);
            assertThat(takeover)
                    .as("takeover within the lease duration plus a retry period")
                    .isLessThan(Controllers.LEASE_DURATION.plusSeconds(3));

            await().atMost(Duration.ofSeconds(45))
                    .pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> {
                        cluster.kubeletStep(ns, "web");
                        cluster.assertInvariants(ns, "web");
                        List<Pod> pods = cluster.pods(ns, "web");
                        assertThat(pods).hasSize(PODS).allSatisfy(p -> {
                            assertThat(Cluster.gates(p))
                                    .as("gates of %s", p.getMetadata().getName())
                                    .isEmpty();
                            assertThat(Member.isRunningAndReady(p))
                                    .as("%s Ready", p.getMetadata().getName())
                                    .isTrue();
                        });
                    });
            Duration finished = Figures.since(crash);

            Map<String, List<Integer>> posts =
                    server.answered(a -> "POST".equals(a.method()) && a.path().equals(claims)).stream()
                            .collect(Collectors.groupingBy(
                                    FaultyApiServer.Answered::name,
                                    TreeMap::new,
                                    Collectors.mapping(FaultyApiServer.Answered::code, Collectors.toList())));
            assertThat(posts)
                    .as("PVC creates by name (HTTP codes)")
                    .containsOnlyKeys("data-web-0", "data-web-1", "data-web-2");
            posts.forEach((name, codes) -> assertThat(codes.stream().filter(c -> c == 201))
                    .as("successful creates of %s: %s", name, codes)
                    .hasSize(1));
            assertThat(posts.get(CLAIM_IN_FLIGHT))
                    .as("the survivor reused the claim the leader died creating")
                    .containsExactly(201);
            List<Event> events =
                    cluster.client().v1().events().inNamespace(ns).list().getItems();
            assertThat(events.stream()
                            .filter(e -> ControllerEvent.CLAIM_REUSED.equals(e.getReason())
                                    && "web-1".equals(e.getInvolvedObject().getName())))
                    .as("ClaimReused on web-1")
                    .singleElement()
                    .satisfies(e -> assertThat(e.getReportingInstance()).isEqualTo("survivor"));
            assertThat(released(doomedMetrics) + released(survivorMetrics))
                    .as("gate releases in all")
                    .isEqualTo(2 * PODS - 1);
            assertThat(watcher.bothLeadingSamples())
                    .as("samples where both believed they lead")
                    .isZero();

            Figures.record(
                    "4-leader-lost.takeover-after-crash",
                    Figures.seconds(takeover) + " (lease duration " + Figures.seconds(Controllers.LEASE_DURATION)
                            + ", retry period 0.5 s)");
            Figures.record("4-leader-lost.work-finished-after-crash", Figures.seconds(finished));
            Figures.record("4-leader-lost.pvc-creates", posts.toString() + " (HTTP codes of every POST)");
            Figures.record(
                    "4-leader-lost.gate-releases",
                    String.format(
                            java.util.Locale.ROOT,
                            "doomed %.0f, survivor %.0f",
                            released(doomedMetrics),
                            released(survivorMetrics)));
        } finally {
            watcher.close();
            doomed.close();
            survivor.close();
            server.delayAnswers(a -> false, Duration.ZERO);
            doomedClient.close();
        }
    }

    static String claimTemplates() {
        PersistentVolumeClaimTemplate t = new PersistentVolumeClaimTemplateBuilder()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .addToRequests("storage", new Quantity("1Gi"))
                .endResources()
                .endSpec()
                .build();
        Map<String, PersistentVolumeClaimTemplate> templates = new TreeMap<>();
        templates.put("data", t);
        return ClaimTemplates.encode(templates);
    }

    static double released(SimpleMeterRegistry registry) {
        return registry.find("ordinal.controller.gates.released").counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }
}
