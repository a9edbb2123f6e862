package dev.ordinal.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.sim.KubeletSim;
import dev.ordinal.sim.PodTemplates;
import dev.ordinal.sim.SimulatedCluster;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/** {@code pod-management-policy: Parallel}: every pod is released at once; only the claims gate waits. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(E2eProfile.class)
class ParallelE2ETest {

    @KubernetesTestServer
    KubernetesServer server;

    SimulatedCluster cluster;

    @BeforeEach
    void startCluster() {
        cluster = E2e.cluster(server.getClient());
    }

    @AfterEach
    void stopCluster() {
        cluster.close();
    }

    @Test
    void releasesAllFivePodsAtOnce() {
        // Slow readiness, so pods that start together are seen starting together.
        cluster.kubelet().close();
        try (KubeletSim slow = new KubeletSim(cluster.store(), cluster.chain(), cluster.namespace(),
                new KubeletSim.Timing(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(1500),
                        Duration.ofMillis(300), null), SimulatedCluster.LOOP_LIFETIME)) {
            slow.start();
            cluster.replicaSet("web-5d8f9c7b6", PodTemplates.member("web",
                    Map.of(OrdinalKeys.POLICY_ANNOTATION, "Parallel"), "pod-template-hash", "5d8f9c7b6"), 5);
            cluster.observer().await("web-0…web-4 Running and Ready", Duration.ofSeconds(30),
                    o -> o.readyExactly("web", 5));
        }
        assertThat(cluster.observer().everGated("web")).as("no pod ever carried " + OrdinalKeys.ORDERED_GATE)
                .isFalse();
        assertThat(cluster.observer().maxStartingAtOnce("web")).as("pods starting at once").isGreaterThan(1);
        assertThat(cluster.observer().claims()).hasSize(5);
        assertThat(cluster.observer().violations()).isEmpty();
    }
}
