package dev.ordinal.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.sim.AdmissionChain;
import dev.ordinal.sim.ApiException;
import dev.ordinal.sim.InProcessWebhook;
import dev.ordinal.sim.KubeletSim;
import dev.ordinal.sim.PodTemplates;
import dev.ordinal.sim.Requester;
import dev.ordinal.sim.SetInvariants;
import dev.ordinal.sim.SimulatedCluster;
import dev.ordinal.sim.WebhookRegistration;
import dev.ordinal.support.E2eCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The API server's side of admission with the real webhook: dryRun, re-invocation after another vendor's webhook,
 * a user trying to lift a gate, and a webhook that is down.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(E2eProfile.class)
class AdmissionPathE2ETest {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @KubernetesTestServer
    KubernetesServer server;

    @RegisterExtension
    final E2eCluster e2e = new E2eCluster(() -> server.getClient());

    @Test
    void dryRunAnswersWithTheIdentityAndCreatesNothing() {
        SimulatedCluster cluster = e2e.cluster();
        String ns = cluster.namespace();
        Pod answered = cluster.chain()
                .create(ns, PodTemplates.member("web", Map.of()), Requester.ADMIN, true)
                .pod();
        assertThat(answered.getMetadata().getName()).isEqualTo("web-0");
        assertThat(KubeletSim.claimNames(answered)).containsExactly("data-web-0");

        // A second apart: time for anything the dryRun might have set off (a claim, a Service) to show up.
        AdmissionChain.pause(Duration.ofSeconds(1));
        assertThat(cluster.store().pods().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(cluster.store()
                        .persistentVolumeClaims()
                        .inNamespace(ns)
                        .list()
                        .getItems())
                .isEmpty();
        assertThat(cluster.store().services().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(cluster.observer().steps())
                .as("nothing observed in the namespace")
                .isEmpty();

        Pod real = cluster.chain()
                .create(ns, PodTemplates.member("web", Map.of()), Requester.ADMIN, false)
                .pod();
        assertThat(real.getMetadata().getName()).as("dryRun reserved nothing").isEqualTo("web-0");
        assertThat(cluster.chain().calls())
                .filteredOn(AdmissionChain.WebhookCall::dryRun)
                .extracting(AdmissionChain.WebhookCall::webhook)
                .containsExactly("mutate.pods.ordinal.dev", "validate.pods.ordinal.dev");
    }

    @Test
    void ordinalIsReinvokedWhenALaterWebhookAddsAnEphemeralVolume() {
        InProcessWebhook injector = InProcessWebhook.mutating(AdmissionPathE2ETest::addCacheVolume);
        SimulatedCluster cluster = e2e.withWebhooks(
                List.of(), List.of(WebhookRegistration.otherMutating("inject.sidecar.example.com", injector, false)));
        cluster.replicaSet("web-5d8f9c7b6", PodTemplates.member("web", Map.of()), 1);
        cluster.observer().await("web-0 Running and Ready", TIMEOUT, o -> o.readyExactly("web", 1));
        Pod pod = cluster.observer().live("web").get(0);
        assertThat(KubeletSim.claimNames(pod))
                .as("both volumes became claims, the injected one on re-invocation")
                .containsExactlyInAnyOrder("data-web-0", "cache-web-0");
        assertThat(cluster.observer().claims()).containsOnlyKeys("data-web-0", "cache-web-0");
        assertThat(cluster.chain().calls())
                .filteredOn(AdmissionChain.WebhookCall::reinvocation)
                .extracting(AdmissionChain.WebhookCall::webhook)
                .containsExactly("mutate.pods.ordinal.dev");
        assertThat(injector.calls()).isEqualTo(1);
        assertThat(cluster.observer().violations()).isEmpty();
    }

    @Test
    void aUserCannotLiftTheOrderedGateButTheControllerDoes() {
        SimulatedCluster cluster = e2e.cluster();
        String ns = cluster.namespace();
        cluster.kubelet().failReadiness("web-0");
        cluster.replicaSet("web-5d8f9c7b6", PodTemplates.member("web", Map.of()), 2);
        cluster.observer()
                .await(
                        "web-1 created, gated",
                        TIMEOUT,
                        o -> o.live("web").size() == 2
                                && SetInvariants.gates(o.live("web").get(1)).contains(OrdinalKeys.ORDERED_GATE));

        ApiException denied = null;
        for (int attempt = 0; attempt < 10 && (denied == null || "Conflict".equals(denied.reason())); attempt++) {
            // kubectl edit: read, change, write; a Conflict (the kubelet or the controller wrote in between)
            // means read again.
            Pod gated = cluster.store().pods().inNamespace(ns).withName("web-1").get();
            Pod lifted = new PodBuilder(gated)
                    .editSpec()
                    .removeMatchingFromSchedulingGates(g -> g.getName().equals(OrdinalKeys.ORDERED_GATE))
                    .endSpec()
                    .build();
            denied = catchThrowableOfType(
                    ApiException.class, () -> cluster.chain().update(ns, lifted, Requester.ADMIN, false));
            assertThat(denied).as("the update was accepted").isNotNull();
        }
        assertThat(denied.code()).as(denied.getMessage()).isEqualTo(403);
        assertThat(denied.getMessage())
                .startsWith("admission webhook \"validate.pods.ordinal.dev\" denied the request:")
                .contains("scheduling gate " + OrdinalKeys.ORDERED_GATE)
                .contains("kubernetes-admin");

        cluster.kubelet().restoreReadiness("web-0");
        cluster.observer().await("web-0, web-1 Running and Ready", TIMEOUT, o -> o.readyExactly("web", 2));
        assertThat(cluster.observer().events("web-1", "OrdinalGateReleased")).isNotEmpty();
        assertThat(cluster.observer().violations()).isEmpty();
    }

    @Test
    void aWebhookThatIsDownBlocksOnlyPodsThatOptedIn() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        AdmissionChain down = SimulatedCluster.ordinalChain(
                server.getClient(),
                E2eCluster.TEST_CA,
                List.of(URI.create("https://localhost:" + dead)),
                List.of(),
                List.of());
        String ns = E2eCluster.namespace();
        ApiException e = catchThrowableOfType(
                ApiException.class,
                () -> down.create(ns, PodTemplates.member("web", Map.of()), Requester.ADMIN, false));
        assertThat(e.code()).isEqualTo(500);
        assertThat(e.getMessage())
                .startsWith("Internal error occurred: failed calling webhook \"mutate.pods.ordinal.dev\"");

        Pod plain = PodTemplates.member("web", Map.of());
        plain.getMetadata().getLabels().remove(OrdinalKeys.SET_LABEL);
        assertThat(down.create(ns, plain, Requester.ADMIN, false)
                        .pod()
                        .getMetadata()
                        .getUid())
                .isNotBlank();
    }

    private static ObjectNode addCacheVolume(ObjectNode pod) {
        ObjectNode volume = ((com.fasterxml.jackson.databind.node.ArrayNode)
                        pod.path("spec").path("volumes"))
                .addObject()
                .put("name", "cache");
        ObjectNode spec =
                volume.putObject("ephemeral").putObject("volumeClaimTemplate").putObject("spec");
        spec.putArray("accessModes").add("ReadWriteOnce");
        spec.putObject("resources").putObject("requests").put("storage", "100Mi");
        return pod;
    }
}
