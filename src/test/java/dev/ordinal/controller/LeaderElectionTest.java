package dev.ordinal.controller;

import static dev.ordinal.identity.OrdinalKeys.ORDERED_GATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.plan.ControllerEvent;
import dev.ordinal.support.DualLeadershipWatch;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two controller instances against one mock API server, as two replicas: only the Lease holder ever writes, and
 * when it shuts down (releasing the Lease) the other takes over and carries on. The application's own controller
 * is off in this profile, so these two are the only ones.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class LeaderElectionTest {

    @KubernetesTestServer
    KubernetesServer server;

    @Inject
    ClusterReader cacheReader;

    /** Settings of controller {@code identity}, Lease in {@code ns}, with short test timings. */
    static ControllerSettings settings(String ns, String identity) {
        return settings(ns, identity, Duration.ofSeconds(15));
    }

    static ControllerSettings settings(String ns, String identity, Duration reservationTtl) {
        return new ControllerSettings(
                ns,
                "ordinal-controller",
                identity,
                Duration.ofSeconds(4),
                Duration.ofSeconds(3),
                Duration.ofMillis(500),
                Duration.ofSeconds(2),
                Duration.ofMillis(200),
                Duration.ofSeconds(5),
                reservationTtl,
                ControllerSettings.DEFAULT_CLAIM_CONCURRENCY);
    }

    @Test
    void twoControllersNeverBothActAndTheSecondTakesOverWhenTheLeaderStops() throws Exception {
        String ns = ControllerTestSupport.namespace();
        ControllerTestSupport cluster = new ControllerTestSupport(server.getClient());
        ClusterReader reader = ControllerTestSupport.scoped(cacheReader, ns);
        SimpleMeterRegistry metricsA = new SimpleMeterRegistry();
        SimpleMeterRegistry metricsB = new SimpleMeterRegistry();
        OrdinalController a = new OrdinalController(
                server.getClient(), reader, settings(ns, "replica-a"), metricsA, Clock.systemUTC());
        OrdinalController b = new OrdinalController(
                server.getClient(), reader, settings(ns, "replica-b"), metricsB, Clock.systemUTC());
        DualLeadershipWatch watcher = DualLeadershipWatch.start(a::isLeader, b::isLeader);
        try {
            a.start();
            b.start();
            await().atMost(ControllerTestSupport.TIMEOUT).until(() -> a.isLeader() || b.isLeader());
            OrdinalController leader = a.isLeader() ? a : b;
            OrdinalController follower = leader == a ? b : a;
            SimpleMeterRegistry leaderMetrics = leader == a ? metricsA : metricsB;
            SimpleMeterRegistry followerMetrics = leader == a ? metricsB : metricsA;

            for (int n = 0; n < 3; n++) {
                cluster.create(
                        ns,
                        PodFixtures.stored("web", n)
                                .gate(ORDERED_GATE)
                                .pending()
                                .build());
            }
            for (int n = 0; n < 3; n++) {
                String pod = "web-" + n;
                await().atMost(ControllerTestSupport.TIMEOUT).untilAsserted(() -> {
                    cluster.assertOrdered(ns, "web");
                    assertThat(cluster.hasGate(ns, pod, ORDERED_GATE))
                            .as("%s gated", pod)
                            .isFalse();
                });
                cluster.ready(ns, pod);
            }
            assertThat(released(leaderMetrics)).as("releases by the leader").isEqualTo(3);
            assertThat(released(followerMetrics)).as("releases by the follower").isZero();
            assertThat(follower.isLeader()).isFalse();
            await().atMost(ControllerTestSupport.TIMEOUT)
                    .untilAsserted(() -> assertThat(cluster.events(ns).stream()
                                    .filter(e -> ControllerEvent.ORDINAL_GATE_RELEASED.equals(e.getReason())))
                            .hasSize(3));
            assertThat(cluster.events(ns))
                    .extracting(Event::getReportingInstance)
                    .as("who wrote the events")
                    .containsOnly(leader.identity());

            leader.close(); // releases the Lease: the follower need not wait out the lease duration
            await().atMost(Duration.ofSeconds(10)).until(follower::isLeader);
            Lease lease = server.getClient()
                    .leases()
                    .inNamespace(ns)
                    .withName("ordinal-controller")
                    .get();
            assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(follower.identity());

            cluster.create(
                    ns,
                    PodFixtures.stored("web", 3).gate(ORDERED_GATE).pending().build());
            await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-3", ORDERED_GATE));
            assertThat(released(followerMetrics))
                    .as("releases by the new leader")
                    .isEqualTo(1);
            assertThat(released(leaderMetrics))
                    .as("releases by the stopped one")
                    .isEqualTo(3);
            await().atMost(ControllerTestSupport.TIMEOUT)
                    .untilAsserted(() -> assertThat(cluster.events(ns, "web-3", ControllerEvent.ORDINAL_GATE_RELEASED))
                            .singleElement()
                            .satisfies(e -> assertThat(e.getReportingInstance()).isEqualTo(follower.identity())));
            assertThat(watcher.bothLeadingSamples())
                    .as("samples where both replicas believed they lead")
                    .isZero();
        } finally {
            watcher.close();
            a.close();
            b.close();
        }
        // fabric8's release writes holderIdentity null with a JSON merge patch, which drops the null, so the name
        // stays; the release is the one-second lease duration from now: anyone may take it a second later.
        List<Lease> leases = server.getClient().leases().inNamespace(ns).list().getItems();
        assertThat(leases)
                .singleElement()
                .satisfies(l -> assertThat(l.getSpec().getLeaseDurationSeconds())
                        .as("released on shutdown")
                        .isEqualTo(1));
    }

    static double released(SimpleMeterRegistry registry) {
        return registry.find("ordinal.controller.gates.released").counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }
}
