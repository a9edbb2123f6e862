package dev.ordinal.faults;

import static dev.ordinal.identity.OrdinalKeys.ORDERED_GATE;
import static dev.ordinal.support.AdmissionClient.createReview;
import static dev.ordinal.support.AdmissionClient.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ordinal.cluster.ClusterView;
import dev.ordinal.cluster.SetKey;
import dev.ordinal.controller.ClusterReader;
import dev.ordinal.controller.OrdinalController;
import dev.ordinal.identity.ControllerEvent;
import dev.ordinal.identity.Member;
import dev.ordinal.support.AdmissionClient;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Issue 7, a fault found while building fault 3: the API server admits a pod (Ordinal names it {@code web-1} and
 * reserves ordinal 1) but never stores it: it crashes or times out after admission, or a later webhook denies the
 * pod. A creation within {@code ordinal.admission.reservation-ttl} gets {@code web-2}, and with OrderedReady that pod
 * waits for {@code web-1}, which no one will create: a ReplicaSet already has its count. This documents the
 * behaviour and checks the recovery that docs/reliability.md gives: delete the stuck pod once the reservation has
 * expired; its owner's replacement gets the free ordinal and the set starts in order.
 */
@QuarkusTest
@TestProfile(FaultsProfile.class)
@WithTestResource(value = FaultyApiServerResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class AdmittedButNotStoredTest {

    static final Duration TTL = Duration.parse("PT" + FaultsProfile.RESERVATION_TTL);

    @Inject
    ClusterView view;

    @Inject
    KubernetesClient appClient;

    @Test
    void anOrdinalAdmittedButNeverStoredBlocksOrderedStartUntilTheStuckPodIsRecreated() throws Exception {
        FaultyApiServer server = FaultyApiServerResource.server();
        server.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> view.synced() && view.staleness().disconnected().isEmpty());
        String ns = Cluster.namespace();
        Cluster cluster = new Cluster(server.client());
        try (OrdinalController controller = new OrdinalController(appClient,
                Controllers.scoped(ClusterReader.of(view), ns), Controllers.settings(ns, "gap-test"),
                new SimpleMeterRegistry(), Clock.systemUTC())) {
            controller.start();
            await().atMost(Duration.ofSeconds(30)).until(controller::isLeader);

            assertThat(cluster.create(ns, admit(ns)).getMetadata().getName()).isEqualTo("web-0");
            Pod lost = admit(ns);
            assertThat(lost.getMetadata().getName()).as("admitted, then lost by the API server").isEqualTo("web-1");
            long lostAt = System.nanoTime();
            Pod stuck = cluster.create(ns, admit(ns));
            assertThat(stuck.getMetadata().getName()).as("web-1 is reserved").isEqualTo("web-2");
            assertThat(Cluster.gates(stuck)).contains(ORDERED_GATE);

            // web-0 starts; web-2 waits for web-1, which never comes, even after the reservation expired.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
                cluster.kubeletStep(ns, "web");
                return Member.isRunningAndReady(cluster.pod(ns, "web-0"));
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> cluster.client().v1().events().inNamespace(ns).list()
                    .getItems().stream().anyMatch(e -> ControllerEvent.WAITING_FOR_PREDECESSOR.equals(e.getReason())
                            && "web-2".equals(e.getInvolvedObject().getName())
                            && e.getMessage().contains("web-1")));
            while (Figures.since(lostAt).compareTo(TTL.plusSeconds(2)) < 0) {
                cluster.kubeletStep(ns, "web");
                Thread.sleep(200);
            }
            assertThat(Cluster.gates(cluster.pod(ns, "web-2"))).as("web-2 stuck behind the missing web-1")
                    .contains(ORDERED_GATE);
            Duration stuckFor = Figures.since(lostAt);

            // Recovery: delete the stuck pod; its owner creates a replacement, which gets the free ordinal 1.
            cluster.client().pods().inNamespace(ns).withName("web-2").delete();
            await().atMost(Duration.ofSeconds(20)).until(() -> view.snapshot(new SetKey(ns, "web")).holder(2)
                    .isEmpty());
            assertThat(cluster.create(ns, admit(ns)).getMetadata().getName()).as("the replacement fills the gap")
                    .isEqualTo("web-1");
            assertThat(cluster.create(ns, admit(ns)).getMetadata().getName()).isEqualTo("web-2");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                cluster.kubeletStep(ns, "web");
                cluster.assertInvariants(ns, "web");
                List<Pod> pods = cluster.pods(ns, "web");
                assertThat(pods).hasSize(3).allSatisfy(p -> assertThat(Member.isRunningAndReady(p))
                        .as("%s Ready", p.getMetadata().getName()).isTrue());
            });
            Figures.record("6-admitted-not-stored.stuck", "web-2 gated behind the never-stored web-1 for "
                    + Figures.seconds(stuckFor) + " (reservation-ttl " + Figures.seconds(TTL)
                    + " under test) until deleted; the replacement got web-1 and all started in order");
        }
    }

    /** Mutates and validates a new pod of set web as the API server would; fails on a denial. */
    private static Pod admit(String ns) {
        ObjectNode review = createReview(PodFixtures.member("web").build(), ns);
        JsonNode mutated = send("/mutate-pods", review);
        assertThat(mutated.path("allowed").asBoolean()).as("mutated: %s", mutated).isTrue();
        Pod pod = AdmissionClient.toPod(AdmissionClient.patched(review, mutated));
        JsonNode validated = send("/validate-pods", createReview(pod, ns));
        assertThat(validated.path("allowed").asBoolean()).as("validated: %s", validated).isTrue();
        return pod;
    }
}
