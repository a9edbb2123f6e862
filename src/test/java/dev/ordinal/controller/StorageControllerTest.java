package dev.ordinal.controller;

import static dev.ordinal.identity.OrdinalKeys.CLAIMS_GATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.plan.ControllerEvent;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The application's controller creating per-ordinal PVCs and lifting {@code ordinal.dev/claims} (SPEC §4). */
@QuarkusTest
@TestProfile(ControllerTestProfile.class)
@WithKubernetesTestServer(crud = true)
class StorageControllerTest {

    static final Duration HOLD = Duration.ofMillis(2500);

    @KubernetesTestServer
    KubernetesServer server;

    ControllerTestSupport cluster;
    String ns;

    @BeforeEach
    void setUp() {
        cluster = new ControllerTestSupport(server.getClient());
        ns = ControllerTestSupport.namespace();
    }

    /** Member {@code web-n} as the webhook stores it: claim volume, templates annotation, claims gate. */
    static Pod gatedPod(int n, String size) {
        Pod pod = PodFixtures.stored("web", n)
                .gate(CLAIMS_GATE)
                .annotation(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION, ControllerTestSupport.dataTemplate(size))
                .pending()
                .build();
        return new PodBuilder(pod)
                .editSpec()
                .addNewVolume()
                .withName("data")
                .withNewPersistentVolumeClaim("data-web-" + n, false)
                .endVolume()
                .endSpec()
                .build();
    }

    @Test
    void createsTheMissingClaimFromTheTemplateThenLiftsTheClaimsGate() {
        cluster.create(ns, gatedPod(0, "1Gi"));
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-0", CLAIMS_GATE));

        PersistentVolumeClaim pvc = cluster.claim(ns, "data-web-0").orElseThrow();
        assertThat(pvc.getMetadata().getLabels())
                .containsExactlyInAnyOrderEntriesOf(Map.of("tier", "db", OrdinalKeys.SET_LABEL, "web"));
        assertThat(pvc.getMetadata().getAnnotations()).containsEntry("example.com/backup", "daily");
        assertThat(pvc.getMetadata().getOwnerReferences())
                .as("the claim outlives the pod")
                .isNullOrEmpty();
        assertThat(pvc.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
        assertThat(pvc.getSpec().getStorageClassName()).isEqualTo("fast");
        assertThat(pvc.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("1Gi"));
        assertThat(cluster.claims(ns)).hasSize(1);
        await().atMost(ControllerTestSupport.TIMEOUT).untilAsserted(() -> {
            assertThat(cluster.events(ns, "web-0", ControllerEvent.CLAIM_CREATED))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getMessage()).contains("data-web-0"));
            assertThat(cluster.events(ns, "web-0", ControllerEvent.CLAIMS_GATE_RELEASED))
                    .hasSize(1);
        });
    }

    /** Many gated pods at once (a Parallel rollout): the claim work runs concurrently, each pod's exactly once. */
    @Test
    void manyGatedPodsEachGetTheirOwnClaimOnce() {
        int n = 24;
        for (int i = 0; i < n; i++) {
            cluster.create(ns, gatedPod(i, "1Gi"));
        }
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> java.util.stream.IntStream.range(0, n)
                        .noneMatch(i -> cluster.hasGate(ns, "web-" + i, CLAIMS_GATE)));
        assertThat(cluster.claims(ns))
                .extracting(c -> c.getMetadata().getName())
                .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, n)
                        .mapToObj(i -> "data-web-" + i)
                        .toList());
        await().atMost(ControllerTestSupport.TIMEOUT).untilAsserted(() -> {
            for (int i = 0; i < n; i++) {
                assertThat(cluster.events(ns, "web-" + i, ControllerEvent.CLAIM_CREATED))
                        .hasSize(1);
                assertThat(cluster.events(ns, "web-" + i, ControllerEvent.CLAIMS_GATE_RELEASED))
                        .hasSize(1);
            }
        });
    }

    /**
     * A pod that waits only for its claims has its claim work started on its own: a pod created while an earlier
     * pod's claim creation hangs (here 6 s in the API server) gets its claim and loses its gate at once. When a pass
     * waited for all of its pods' claim work, the second pod waited for the first one's claim.
     */
    @Test
    void aSlowClaimCreationDoesNotHoldUpThePodsCreatedAfterIt() throws Exception {
        PersistentVolumeClaim slow = new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("data-web-0")
                .withNamespace(ns)
                .withUid("slow-claim")
                .withResourceVersion("1")
                .endMetadata()
                .build();
        server.expect()
                .post()
                .delay(6, java.util.concurrent.TimeUnit.SECONDS)
                .withPath("/api/v1/namespaces/" + ns + "/persistentvolumeclaims")
                .andReturn(201, slow)
                .once();
        cluster.create(ns, gatedPod(0, "1Gi"));
        Thread.sleep(1000); // the controller is on web-0's claim by now
        long start = System.nanoTime();
        cluster.create(ns, gatedPod(1, "1Gi"));
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-1", CLAIMS_GATE));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).as("web-1 created to its gate lifted").isLessThan(Duration.ofSeconds(3));
        assertThat(cluster.hasGate(ns, "web-0", CLAIMS_GATE))
                .as("web-0 still waits for its claim")
                .isTrue();
        assertThat(cluster.claim(ns, "data-web-1")).isPresent();
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-0", CLAIMS_GATE));
    }

    @Test
    void aPodWithBothGatesGetsItsClaimAndStartsInOneGo() {
        cluster.create(ns, PodFixtures.stored("web", 0).ready().build());
        Pod pod = gatedPod(1, "1Gi");
        cluster.create(
                ns,
                new PodBuilder(pod)
                        .editSpec()
                        .addNewSchedulingGate(OrdinalKeys.ORDERED_GATE)
                        .endSpec()
                        .build());
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> cluster.gates(ns, "web-1").isEmpty());
        assertThat(cluster.claims(ns))
                .extracting(c -> c.getMetadata().getName())
                .containsExactly("data-web-1");
        await().atMost(ControllerTestSupport.TIMEOUT).untilAsserted(() -> {
            assertThat(cluster.events(ns, "web-1", ControllerEvent.CLAIMS_GATE_RELEASED))
                    .hasSize(1);
            assertThat(cluster.events(ns, "web-1", ControllerEvent.ORDINAL_GATE_RELEASED))
                    .hasSize(1);
        });
    }

    @Test
    void reusesAnExistingClaimUntouched() {
        PersistentVolumeClaim old = server.getClient()
                .persistentVolumeClaims()
                .inNamespace(ns)
                .resource(new PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName("data-web-0")
                        .withNamespace(ns)
                        .addToLabels("kept", "yes")
                        .endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteMany")
                        .withNewResources()
                        .addToRequests("storage", new Quantity("5Gi"))
                        .endResources()
                        .endSpec()
                        .build())
                .create();
        cluster.create(ns, gatedPod(0, "1Gi"));
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-0", CLAIMS_GATE));

        PersistentVolumeClaim now = cluster.claim(ns, "data-web-0").orElseThrow();
        assertThat(now.getMetadata().getResourceVersion())
                .as("resourceVersion")
                .isEqualTo(old.getMetadata().getResourceVersion());
        assertThat(now.getMetadata().getLabels()).containsExactlyEntriesOf(Map.of("kept", "yes"));
        assertThat(now.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("5Gi"));
        assertThat(cluster.claims(ns)).hasSize(1);
        await().atMost(ControllerTestSupport.TIMEOUT).untilAsserted(() -> {
            assertThat(cluster.events(ns, "web-0", ControllerEvent.CLAIM_REUSED))
                    .hasSize(1);
            assertThat(cluster.events(ns, "web-0", ControllerEvent.CLAIMS_GATE_RELEASED))
                    .hasSize(1);
        });
        assertThat(cluster.events(ns, "web-0", ControllerEvent.CLAIM_CREATED)).isEmpty();
    }

    @Test
    void waitsForAClaimThatIsBeingDeletedThenCreatesANewOne() {
        PersistentVolumeClaim old = server.getClient()
                .persistentVolumeClaims()
                .inNamespace(ns)
                .resource(new PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName("data-web-0")
                        .withNamespace(ns)
                        .withFinalizers("example.com/hold")
                        .endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteOnce")
                        .endSpec()
                        .build())
                .create();
        server.getClient()
                .persistentVolumeClaims()
                .inNamespace(ns)
                .withName("data-web-0")
                .delete();
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> cluster.claim(ns, "data-web-0")
                                .orElseThrow()
                                .getMetadata()
                                .getDeletionTimestamp()
                        != null);

        cluster.create(ns, gatedPod(0, "1Gi"));
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> !cluster.events(ns, "web-0", ControllerEvent.CLAIM_TERMINATING)
                        .isEmpty());
        await().during(HOLD).atMost(HOLD.plusSeconds(5)).until(() -> cluster.hasGate(ns, "web-0", CLAIMS_GATE));

        server.getClient()
                .persistentVolumeClaims()
                .inNamespace(ns)
                .withName("data-web-0")
                .edit(p -> new PersistentVolumeClaimBuilder(p)
                        .editMetadata()
                        .withFinalizers(List.of())
                        .endMetadata()
                        .build());
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-0", CLAIMS_GATE));
        PersistentVolumeClaim fresh = cluster.claim(ns, "data-web-0").orElseThrow();
        assertThat(fresh.getMetadata().getDeletionTimestamp()).isNull();
        assertThat(fresh.getMetadata().getUid()).isNotEqualTo(old.getMetadata().getUid());
        assertThat(cluster.events(ns, "web-0", ControllerEvent.CLAIM_TERMINATING))
                .singleElement()
                .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));
        await().atMost(ControllerTestSupport.TIMEOUT)
                .untilAsserted(() -> assertThat(cluster.events(ns, "web-0", ControllerEvent.CLAIM_CREATED))
                        .hasSize(1));
    }
}
