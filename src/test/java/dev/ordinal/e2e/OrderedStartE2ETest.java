package dev.ordinal.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.sim.ClusterObserver;
import dev.ordinal.sim.KubeletSim;
import dev.ordinal.sim.PodTemplates;
import dev.ordinal.sim.ReplicaSetSim;
import dev.ordinal.sim.Requester;
import dev.ordinal.sim.SetInvariants;
import dev.ordinal.support.E2eCluster;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * OrderedReady with scheduling gates (the default), through the real webhook and controller: a ReplicaSet of five
 * starts {@code web-0 … web-4} strictly one at a time, a deleted pod comes back with its identity and volume, and a
 * scale-down removes the highest ordinals. {@link dev.ordinal.sim.SetInvariants} run after every observed step.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(E2eProfile.class)
class OrderedStartE2ETest {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @KubernetesTestServer
    KubernetesServer server;

    @RegisterExtension
    final E2eCluster e2e = new E2eCluster(() -> server.getClient());

    private ClusterObserver observer() {
        return e2e.cluster().observer();
    }

    @Test
    void startsFivePodsStrictlyOneAtATimeInOrder() {
        startFive();
        assertThat(observer().readyOrder()).containsExactly("web-0", "web-1", "web-2", "web-3", "web-4");
        assertThat(observer().maxStartingAtOnce("web"))
                .as("pods starting at once")
                .isEqualTo(1);
        assertThat(observer().everGated("web"))
                .as("successors were held by " + OrdinalKeys.ORDERED_GATE)
                .isTrue();
        for (int n = 0; n < 5; n++) {
            Pod pod = observer().live("web").get(n);
            assertThat(KubeletSim.claimNames(pod)).containsExactly("data-web-" + n);
            assertThat(pod.getSpec().getHostname()).isEqualTo("web-" + n);
            assertThat(pod.getSpec().getSubdomain()).isEqualTo("web");
        }
        assertThat(observer().claims())
                .containsOnlyKeys("data-web-0", "data-web-1", "data-web-2", "data-web-3", "data-web-4");
        Service svc = observer().services().get("web");
        assertThat(svc).as("headless Service").isNotNull();
        assertThat(svc.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(observer().events("web-4", "WaitingForPredecessor"))
                .as("web-4 waited, and said so")
                .isNotEmpty();
        assertThat(observer().violations()).isEmpty();
    }

    @Test
    void aDeletedPodComesBackWithItsNameAndItsClaim() {
        startFive();
        Pod before = observer().live("web").get(2);
        String claimUid = observer().claims().get("data-web-2").getMetadata().getUid();

        e2e.cluster().chain().delete(e2e.cluster().namespace(), "web-2", null, null, Requester.ADMIN, false);
        observer().await("web-2 replaced and Ready", TIMEOUT, o -> {
            Pod now = o.live("web").get(2);
            return now != null
                    && !now.getMetadata().getUid().equals(before.getMetadata().getUid())
                    && KubeletSim.isReady(now)
                    && o.readyExactly("web", 5);
        });
        Pod after = observer().live("web").get(2);
        assertThat(KubeletSim.claimNames(after)).containsExactly("data-web-2");
        assertThat(observer().claimUids("data-web-2"))
                .as("the claim was never re-created")
                .containsExactly(claimUid);
        assertThat(e2e.cluster()
                        .store()
                        .persistentVolumeClaims()
                        .inNamespace(e2e.cluster().namespace())
                        .withName("data-web-2")
                        .get()
                        .getMetadata()
                        .getUid())
                .isEqualTo(claimUid);
        assertThat(observer().claims()).as("no new PVC").hasSize(5);
        List<String> gatesSeen = observer().steps().stream()
                .filter(s -> s.kind() == ClusterObserver.Kind.POD
                        && s.object()
                                .getMetadata()
                                .getUid()
                                .equals(after.getMetadata().getUid()))
                .flatMap(s -> SetInvariants.gates((Pod) s.object()).stream())
                .distinct()
                .toList();
        assertThat(gatesSeen)
                .as("the webhook saw data-web-2 in its cache, so no claims gate")
                .doesNotContain(OrdinalKeys.CLAIMS_GATE);
        assertThat(observer().violations()).isEmpty();
    }

    @Test
    void scalingFromFiveToThreeRemovesWeb4AndWeb3AndKeepsTheirClaims() {
        ReplicaSetSim rs = startFive();
        rs.scale(3);
        observer()
                .await(
                        "web-0…web-2 only",
                        TIMEOUT,
                        o -> o.readyExactly("web", 3) && o.pods().size() == 3);
        List<String> deleted = observer().steps().stream()
                .filter(s -> s.kind() == ClusterObserver.Kind.POD && s.action().equals("DELETED"))
                .map(s -> s.object().getMetadata().getName())
                .toList();
        assertThat(deleted).containsExactlyInAnyOrder("web-4", "web-3");
        Map<String, PersistentVolumeClaim> claims = observer().claims();
        assertThat(claims)
                .as("claims outlive their pods")
                .containsKeys("data-web-3", "data-web-4")
                .hasSize(5);
        assertThat(observer().violations()).isEmpty();
    }

    private ReplicaSetSim startFive() {
        ReplicaSetSim rs = e2e.cluster()
                .replicaSet("web-5d8f9c7b6", PodTemplates.member("web", Map.of(), "pod-template-hash", "5d8f9c7b6"), 5);
        observer().await("web-0…web-4 Running and Ready", TIMEOUT, o -> o.readyExactly("web", 5));
        return rs;
    }
}
