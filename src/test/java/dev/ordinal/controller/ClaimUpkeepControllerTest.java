package dev.ordinal.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.plan.ControllerEvent;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The application's controller applying {@code ordinal.dev/pvc-retention} and growing claims (SPEC §7.2). */
@QuarkusTest
@TestProfile(ControllerTestProfile.class)
@WithKubernetesTestServer(crud = true)
class ClaimUpkeepControllerTest {

    @KubernetesTestServer
    KubernetesServer server;

    ControllerTestSupport cluster;
    KubernetesClient client;
    String ns;

    @BeforeEach
    void setUp() {
        client = server.getClient();
        cluster = new ControllerTestSupport(client);
        ns = ControllerTestSupport.namespace();
    }

    String rsUid;

    /** Deployment {@code app} (replicas {@code replicas}) above ReplicaSet {@code app-rs}. */
    void deployment(int replicas) {
        rsUid = ControllerTestSupport.deploymentAbove(client, ns, replicas);
    }

    Pod member(int n, String retention, String size) {
        return ControllerTestSupport.retained(n, retention, size, rsUid)
                .volume(new VolumeBuilder()
                        .withName("data")
                        .withNewPersistentVolumeClaim("data-app-" + n, false)
                        .build())
                .build();
    }

    PersistentVolumeClaim claim(String name, String size, String storageClass) {
        return client.persistentVolumeClaims()
                .inNamespace(ns)
                .resource(new PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace(ns)
                        .endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteOnce")
                        .withStorageClassName(storageClass)
                        .withNewResources()
                        .addToRequests("storage", new Quantity(size))
                        .endResources()
                        .endSpec()
                        .build())
                .create();
    }

    PersistentVolumeClaim get(String name) {
        return client.persistentVolumeClaims().inNamespace(ns).withName(name).get();
    }

    @Test
    void whenDeletedDeleteOwnsClaimsByTheDeploymentAndRetainTakesItBack() {
        deployment(1);
        claim("data-app-0", "1Gi", "fast");
        cluster.create(ns, member(0, "whenDeleted=Delete", "1Gi"));
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> get("data-app-0").getMetadata().getOwnerReferences() != null
                        && get("data-app-0").getMetadata().getOwnerReferences().stream()
                                .anyMatch(r -> "Deployment".equals(r.getKind())));
        OwnerReference ref =
                get("data-app-0").getMetadata().getOwnerReferences().get(0);
        assertThat(ref.getKind())
                .as("owner kind: the Deployment above the ReplicaSet")
                .isEqualTo("Deployment");
        assertThat(ref.getName()).isEqualTo("app");
        assertThat(ref.getController()).as("not a controller reference").isNull();
        assertThat(cluster.events(ns, "app-0", ControllerEvent.CLAIM_RETENTION_UPDATED))
                .isNotEmpty();

        // The policy changes: the member is re-created with Retain, and the reference goes.
        client.pods().inNamespace(ns).withName("app-0").withGracePeriod(0).delete();
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> client.pods().inNamespace(ns).withName("app-0").get() == null);
        cluster.create(ns, member(0, "whenDeleted=Retain", "1Gi"));
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> get("data-app-0").getMetadata().getOwnerReferences() == null
                        || get("data-app-0").getMetadata().getOwnerReferences().isEmpty());
    }

    @Test
    void whenScaledDeleteDeletesClaimsAboveTheDesiredSizeWithoutPods() {
        deployment(1);
        claim("data-app-0", "1Gi", "fast");
        claim("data-app-1", "1Gi", "fast");
        claim("data-app-2", "1Gi", "fast");
        // app-2 still exists (terminating would be the same): its claim is kept while a pod holds the ordinal.
        cluster.create(ns, member(2, "whenScaled=Delete", "1Gi"));
        cluster.create(ns, member(0, "whenScaled=Delete", "1Gi"));
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> get("data-app-1") == null);
        assertThat(get("data-app-2")).as("data-app-2 while app-2 exists").isNotNull();
        assertThat(get("data-app-0"))
                .as("data-app-0 is within the desired size")
                .isNotNull();
        client.pods().inNamespace(ns).withName("app-2").withGracePeriod(0).delete();
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> get("data-app-2") == null);
        // Each deletion is recorded on the set's lowest live pod at the time (app-2 before app-0 was seen).
        assertThat(cluster.events(ns).stream().filter(e -> ControllerEvent.CLAIM_DELETED.equals(e.getReason())))
                .hasSize(2);
        assertThat(get("data-app-0")).as("data-app-0 at the end").isNotNull();
    }

    @Test
    void aLargerTemplateGrowsAnExpandableClaimAndWarnsOtherwise() {
        client.storage()
                .v1()
                .storageClasses()
                .resource(new StorageClassBuilder()
                        .withNewMetadata()
                        .withName("fast")
                        .endMetadata()
                        .withProvisioner("example.com/fast")
                        .withAllowVolumeExpansion(true)
                        .build())
                .create();
        client.storage()
                .v1()
                .storageClasses()
                .resource(new StorageClassBuilder()
                        .withNewMetadata()
                        .withName("fixed")
                        .endMetadata()
                        .withProvisioner("example.com/fixed")
                        .build())
                .create();
        claim("data-app-0", "1Gi", "fast");
        claim("data-app-1", "1Gi", "fixed");
        claim("data-app-2", "5Gi", "fast");
        cluster.create(ns, member(0, "whenDeleted=Retain", "2Gi"));
        cluster.create(ns, member(1, "whenDeleted=Retain", "2Gi"));
        cluster.create(ns, member(2, "whenDeleted=Retain", "2Gi"));
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> "2Gi"
                        .equals(get("data-app-0")
                                .getSpec()
                                .getResources()
                                .getRequests()
                                .get("storage")
                                .toString()));
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> !cluster.events(ns, "app-1", ControllerEvent.CLAIM_NOT_EXPANDABLE)
                                .isEmpty()
                        && !cluster.events(ns, "app-2", ControllerEvent.CLAIM_SHRINK_REFUSED)
                                .isEmpty());
        assertThat(cluster.events(ns, "app-0", ControllerEvent.CLAIM_RESIZED))
                .singleElement()
                .satisfies(e -> assertThat(e.getMessage()).contains("from 1Gi to 2Gi"));
        assertThat(get("data-app-1")
                        .getSpec()
                        .getResources()
                        .getRequests()
                        .get("storage")
                        .toString())
                .as("not expandable: unchanged")
                .isEqualTo("1Gi");
        assertThat(get("data-app-2")
                        .getSpec()
                        .getResources()
                        .getRequests()
                        .get("storage")
                        .toString())
                .as("never shrunk")
                .isEqualTo("5Gi");
    }
}
