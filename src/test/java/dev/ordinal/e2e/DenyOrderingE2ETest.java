package dev.ordinal.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.sim.PodTemplates;
import dev.ordinal.sim.ReplicaSetSim;
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

/** {@code ordinal.dev/ordering: deny}: the same ordered end state, reached through denials and ReplicaSet retries. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(E2eProfile.class)
class DenyOrderingE2ETest {

    @KubernetesTestServer
    KubernetesServer server;

    @RegisterExtension
    final E2eCluster e2e = new E2eCluster(() -> server.getClient());

    @Test
    void reachesTheSameOrderedEndStateThroughDenialsAndRetries() {
        ReplicaSetSim rs = e2e.cluster()
                .replicaSet(
                        "web-5d8f9c7b6",
                        PodTemplates.member(
                                "web",
                                Map.of(OrdinalKeys.ORDERING_ANNOTATION, "deny"),
                                "pod-template-hash",
                                "5d8f9c7b6"),
                        5);
        e2e.cluster()
                .observer()
                .await("web-0…web-4 Running and Ready", Duration.ofSeconds(40), o -> o.readyExactly("web", 5));
        assertThat(e2e.cluster().observer().readyOrder()).containsExactly("web-0", "web-1", "web-2", "web-3", "web-4");
        assertThat(e2e.cluster().observer().maxStartingAtOnce("web")).isEqualTo(1);
        assertThat(e2e.cluster().observer().everGated("web"))
                .as("deny mode never uses the ordered gate")
                .isFalse();
        assertThat(e2e.cluster().observer().claims()).hasSize(5);
        assertThat(rs.failedCreates())
                .as("creates denied while a predecessor was not ready")
                .isPositive();
        assertThat(rs.failureMessages())
                .allSatisfy(m -> assertThat(m)
                        .startsWith("admission webhook \"mutate.pods.ordinal.dev\" denied the request: web-")
                        .contains(" waits for web-")
                        .endsWith("Retry later"));
        assertThat(e2e.cluster().observer().events().stream().filter(e -> "FailedCreate".equals(e.getReason())))
                .as("the ReplicaSet's FailedCreate events")
                .isNotEmpty();
        assertThat(e2e.cluster().observer().violations()).isEmpty();
    }
}
