package dev.ordinal.controller;

import static dev.ordinal.identity.OrdinalKeys.ORDERED_GATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.cluster.ClusterView;
import dev.ordinal.cluster.SetKey;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.plan.ControllerEvent;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The application's controller lifting {@code ordinal.dev/ordered} one readiness step at a time (SPEC §4). */
@QuarkusTest
@TestProfile(ControllerTestProfile.class)
@WithKubernetesTestServer(crud = true)
class OrderedStartControllerTest {

    /** Long enough for a few reconciles and one resync: a premature release would show up in it. */
    static final Duration HOLD = Duration.ofMillis(2500);

    @KubernetesTestServer
    KubernetesServer server;

    @Inject
    ClusterView view;

    ControllerTestSupport cluster;
    String ns;

    @BeforeEach
    void setUp() {
        cluster = new ControllerTestSupport(server.getClient());
        ns = ControllerTestSupport.namespace();
    }

    @Test
    void releasesFiveGatedPodsStrictlyInOrdinalOrderOneReadinessStepAtATime() {
        for (int n = 0; n < 5; n++) {
            cluster.create(
                    ns,
                    PodFixtures.stored("web", n).gate(ORDERED_GATE).pending().build());
        }
        for (int n = 0; n < 5; n++) {
            String pod = "web-" + n;
            await().atMost(ControllerTestSupport.TIMEOUT)
                    .pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> {
                        cluster.assertOrdered(ns, "web");
                        assertThat(cluster.hasGate(ns, pod, ORDERED_GATE))
                                .as("%s gated", pod)
                                .isFalse();
                    });
            if (n < 4) {
                String next = "web-" + (n + 1);
                await().during(HOLD)
                        .atMost(HOLD.plusSeconds(5))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> {
                            cluster.assertOrdered(ns, "web");
                            return cluster.hasGate(ns, next, ORDERED_GATE);
                        });
            }
            cluster.ready(ns, pod);
        }
        await().atMost(ControllerTestSupport.TIMEOUT).untilAsserted(() -> {
            for (int n = 0; n < 5; n++) {
                assertThat(cluster.events(ns, "web-" + n, ControllerEvent.ORDINAL_GATE_RELEASED))
                        .as("release event of web-%d", n)
                        .hasSize(1);
            }
        });
        List<Event> waits = cluster.events(ns, "web-4", ControllerEvent.WAITING_FOR_PREDECESSOR);
        // Announced once, when web-4 started waiting (web-0 not Ready yet), not again at every step of the rollout.
        assertThat(waits)
                .as("web-4's wait announced once")
                .singleElement()
                .satisfies(e -> assertThat(e.getMessage()).startsWith("web-4 waits for web-0"));
        for (int n = 1; n < 4; n++) {
            assertThat(cluster.events(ns, "web-" + n, ControllerEvent.WAITING_FOR_PREDECESSOR))
                    .as("web-%d's wait announced once", n)
                    .hasSize(1);
        }
        assertThat(waits).as("one event per wait, never repeated").allSatisfy(e -> {
            assertThat(e.getCount()).isEqualTo(1);
            assertThat(e.getType()).isEqualTo("Normal");
            assertThat(e.getSource().getComponent()).isEqualTo("ordinal-controller");
            assertThat(e.getReportingComponent()).isEqualTo("ordinal.dev/controller");
            assertThat(e.getReportingInstance()).isEqualTo(ControllerTestProfile.IDENTITY);
            assertThat(e.getInvolvedObject().getKind()).isEqualTo("Pod");
        });
        assertThat(waits.stream().map(Event::getMessage).distinct()).hasSameSizeAs(waits);
    }

    @Test
    void releasesDoNotWaitForEventWrites() {
        // Every Event write takes 1.5 s: a release that queued behind the Events of the waiting pods would take
        // seconds per step (one per waiting pod), while the gate patch itself takes milliseconds.
        Event stub = new io.fabric8.kubernetes.api.model.EventBuilder()
                .withNewMetadata()
                .withName("slow")
                .withNamespace(ns)
                .endMetadata()
                .build();
        server.expect()
                .post()
                .delay(1500)
                .withPath("/api/v1/namespaces/" + ns + "/events")
                .andReturn(201, stub)
                .always();
        int size = 6;
        for (int n = 0; n < size; n++) {
            cluster.create(
                    ns,
                    PodFixtures.stored("web", n).gate(ORDERED_GATE).pending().build());
        }
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-0", ORDERED_GATE));
        for (int n = 1; n < size; n++) {
            String pod = "web-" + n;
            cluster.ready(ns, "web-" + (n - 1));
            long readyAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> !cluster.hasGate(ns, pod, ORDERED_GATE));
            Duration took = Duration.ofNanos(System.nanoTime() - readyAt);
            assertThat(took)
                    .as("%s released after its predecessor turned Ready", pod)
                    .isLessThan(Duration.ofMillis(1200));
        }
    }

    @Test
    void aPredecessorTurningUnreadyStopsFurtherRelease() {
        cluster.create(ns, PodFixtures.stored("web", 0).ready().build());
        cluster.create(ns, PodFixtures.stored("web", 1).ready().build());
        cluster.create(
                ns, PodFixtures.stored("web", 2).gate(ORDERED_GATE).pending().build());
        cluster.create(
                ns, PodFixtures.stored("web", 3).gate(ORDERED_GATE).pending().build());
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-2", ORDERED_GATE));

        cluster.notReady(ns, "web-1");
        SetKey key = new SetKey(ns, "web");
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> !view.snapshot(key).holder(1).orElseThrow().runningAndReady());
        cluster.ready(ns, "web-2");
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> cluster.events(ns, "web-3", ControllerEvent.WAITING_FOR_PREDECESSOR).stream()
                        .anyMatch(e -> e.getMessage().startsWith("web-3 waits for web-1")));
        await().during(HOLD).atMost(HOLD.plusSeconds(5)).until(() -> cluster.hasGate(ns, "web-3", ORDERED_GATE));

        cluster.ready(ns, "web-1");
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-3", ORDERED_GATE));
    }

    @Test
    void aDeletedPredecessorIsAwaitedUntilItsReplacementIsReady() {
        cluster.create(ns, PodFixtures.stored("web", 0).ready().build());
        cluster.create(ns, PodFixtures.stored("web", 1).ready().build());
        server.getClient().pods().inNamespace(ns).withName("web-1").delete();
        SetKey key = new SetKey(ns, "web");
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> view.snapshot(key).holder(1).isEmpty());
        cluster.create(
                ns, PodFixtures.stored("web", 2).gate(ORDERED_GATE).pending().build());

        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> cluster.events(ns, "web-2", ControllerEvent.WAITING_FOR_PREDECESSOR).stream()
                        .anyMatch(e -> e.getMessage().contains("web-2 waits for web-1: web-1 does not exist")));
        await().during(HOLD).atMost(HOLD.plusSeconds(5)).until(() -> cluster.hasGate(ns, "web-2", ORDERED_GATE));

        cluster.create(ns, PodFixtures.stored("web", 1).pending().build()); // the replacement, starting up
        await().during(HOLD).atMost(HOLD.plusSeconds(5)).until(() -> cluster.hasGate(ns, "web-2", ORDERED_GATE));
        cluster.ready(ns, "web-1");
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-2", ORDERED_GATE));
    }

    @Test
    void aGatedPodDeletedWhileWaitingIsAwaitedByTheNextOne() {
        cluster.create(ns, PodFixtures.stored("web", 0).notReady().build());
        cluster.create(
                ns, PodFixtures.stored("web", 1).gate(ORDERED_GATE).pending().build());
        cluster.create(
                ns, PodFixtures.stored("web", 2).gate(ORDERED_GATE).pending().build());
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> cluster.events(ns, "web-2", ControllerEvent.WAITING_FOR_PREDECESSOR).stream()
                        .anyMatch(e -> e.getMessage().startsWith("web-2 waits for web-0")));

        server.getClient().pods().inNamespace(ns).withName("web-1").delete();
        SetKey key = new SetKey(ns, "web");
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> view.snapshot(key).holder(1).isEmpty());
        cluster.ready(ns, "web-0");
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> cluster.events(ns, "web-2", ControllerEvent.WAITING_FOR_PREDECESSOR).stream()
                        .anyMatch(e -> e.getMessage().startsWith("web-2 waits for web-1")));
        assertThat(cluster.hasGate(ns, "web-2", ORDERED_GATE)).isTrue();

        cluster.create(
                ns, PodFixtures.stored("web", 1).gate(ORDERED_GATE).pending().build());
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-1", ORDERED_GATE));
        cluster.assertOrdered(ns, "web");
        cluster.ready(ns, "web-1");
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-2", ORDERED_GATE));
    }

    @Test
    void minReadySecondsHoldsTheNextReleaseAndItIsRequeuedForTheRest() {
        String minReady = OrdinalKeys.MIN_READY_SECONDS_ANNOTATION;
        Instant since = Instant.now();
        cluster.create(
                ns,
                PodFixtures.stored("web", 0)
                        .annotation(minReady, "4")
                        .ready(since)
                        .build());
        cluster.create(
                ns,
                PodFixtures.stored("web", 1)
                        .annotation(minReady, "4")
                        .gate(ORDERED_GATE)
                        .pending()
                        .build());
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-1", ORDERED_GATE));
        Duration took = Duration.between(since, Instant.now());
        assertThat(took).as("released after web-0 was Ready for 4s").isGreaterThanOrEqualTo(Duration.ofSeconds(4));
        assertThat(cluster.events(ns, "web-1", ControllerEvent.WAITING_FOR_PREDECESSOR))
                .anySatisfy(e -> assertThat(e.getMessage()).contains("min-ready-seconds"));
    }

    @Test
    void parallelPodsThatCarryTheGateAreAllReleased() {
        for (int n = 0; n < 3; n++) {
            cluster.create(
                    ns,
                    PodFixtures.stored("web", n)
                            .annotation(OrdinalKeys.POLICY_ANNOTATION, "Parallel")
                            .gate(ORDERED_GATE)
                            .pending()
                            .build());
        }
        await().atMost(ControllerTestSupport.TIMEOUT).untilAsserted(() -> {
            for (int n = 0; n < 3; n++) {
                assertThat(cluster.hasGate(ns, "web-" + n, ORDERED_GATE))
                        .as("web-%d gated", n)
                        .isFalse();
            }
        });
        assertThat(cluster.events(ns, "web-2", ControllerEvent.ORDINAL_GATE_RELEASED))
                .singleElement()
                .satisfies(e -> assertThat(e.getMessage()).contains("Parallel"));
    }

    @Test
    void aConflictingGatePatchIsRetriedFromTheCurrentState() {
        // What the API server answers when the JSON Patch "test" op fails (the gate list changed meanwhile).
        server.expect()
                .patch()
                .withPath("/api/v1/namespaces/" + ns + "/pods/web-0")
                .andReturn(
                        422,
                        new StatusBuilder()
                                .withStatus("Failure")
                                .withCode(422)
                                .withReason("Invalid")
                                .withMessage(
                                        "the server rejected our request: testing value /spec/schedulingGates failed")
                                .build())
                .once();
        cluster.create(
                ns,
                PodFixtures.stored("web", 0)
                        .gate(ORDERED_GATE)
                        .gate("example.com/user-gate")
                        .pending()
                        .build());
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-0", ORDERED_GATE));
        assertThat(cluster.gates(ns, "web-0")).as("a user's gate is kept").containsExactly("example.com/user-gate");
        assertThat(cluster.events(ns, "web-0", ControllerEvent.ORDINAL_GATE_RELEASED))
                .hasSize(1);
        // The injected 422 was consumed by the controller's patch: a patch of ours now reaches the CRUD store.
        server.getClient()
                .pods()
                .inNamespace(ns)
                .withName("web-0")
                .edit(p -> new io.fabric8.kubernetes.api.model.PodBuilder(p)
                        .editMetadata()
                        .addToLabels("checked", "yes")
                        .endMetadata()
                        .build());
    }
}
