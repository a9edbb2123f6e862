package dev.ordinal.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.sim.KubeletSim;
import dev.ordinal.sim.PodTemplates;
import dev.ordinal.sim.SimulatedCluster;
import dev.ordinal.support.E2eCluster;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code pod-management-policy: Parallel}: every pod is released at once; only the claims gate waits. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(E2eProfile.class)
class ParallelE2ETest {

    @KubernetesTestServer
    KubernetesServer server;

    @RegisterExtension
    final E2eCluster e2e = new E2eCluster(() -> server.getClient());

    @Test
    void releasesAllFivePodsAtOnce() {
        // Slow readiness, so pods that start together are seen starting together.
        e2e.cluster().kubelet().close();
        try (KubeletSim slow = new KubeletSim(
                e2e.cluster().store(),
                e2e.cluster().chain(),
                e2e.cluster().namespace(),
                new KubeletSim.Timing(
                        Duration.ofMillis(50),
                        Duration.ofMillis(100),
                        Duration.ofMillis(1500),
                        Duration.ofMillis(300),
                        null),
                SimulatedCluster.LOOP_LIFETIME)) {
            slow.start();
            e2e.cluster()
                    .replicaSet(
                            "web-5d8f9c7b6",
                            PodTemplates.member(
                                    "web",
                                    Map.of(OrdinalKeys.POLICY_ANNOTATION, "Parallel"),
                                    "pod-template-hash",
                                    "5d8f9c7b6"),
                            5);
            e2e.cluster()
                    .observer()
                    .await("web-0…web-4 Running and Ready", Duration.ofSeconds(30), o -> o.readyExactly("web", 5));
        }
        assertThat(e2e.cluster().observer().everGated("web"))
                .as("no pod ever carried " + OrdinalKeys.ORDERED_GATE)
                .isFalse();
        assertThat(e2e.cluster().observer().maxStartingAtOnce("web"))
                .as("pods starting at once")
                .isGreaterThan(1);
        assertThat(e2e.cluster().observer().claims()).hasSize(5);
        assertThat(e2e.cluster().observer().violations()).isEmpty();
    }
}
