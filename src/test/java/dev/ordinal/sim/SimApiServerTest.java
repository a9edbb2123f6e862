package dev.ordinal.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the controller's volume growth relies on from the embedded API server: a JSON Patch's {@code test} of the
 * resourceVersion is applied (and a stale one refused with 422, changing nothing), and claims that name no
 * StorageClass get the default one, as the DefaultStorageClass admission plugin gives it.
 */
class SimApiServerTest {

    private static final String NS = "growth";

    private SimApiServer api;
    private KubernetesClient store;

    @BeforeEach
    void start() {
        api = SimApiServer.start();
        store = api.client();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void aJsonPatchTestingTheCurrentResourceVersionIsApplied() {
        PersistentVolumeClaim claim = createClaim("data-web-0", null);

        PersistentVolumeClaim grown = store.persistentVolumeClaims()
                .inNamespace(NS)
                .withName("data-web-0")
                .patch(
                        PatchContext.of(PatchType.JSON),
                        growPatch(claim.getMetadata().getResourceVersion()));

        assertThat(grown.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("2Gi"));
        assertThat(grown.getMetadata().getUid()).isEqualTo(claim.getMetadata().getUid());
        assertThat(grown.getMetadata().getResourceVersion())
                .isNotEqualTo(claim.getMetadata().getResourceVersion());
    }

    @Test
    void aJsonPatchTestingAStaleResourceVersionIsRefusedWith422AndChangesNothing() {
        PersistentVolumeClaim claim = createClaim("data-web-0", null);
        String stale = claim.getMetadata().getResourceVersion();
        PersistentVolumeClaim labelled = store.persistentVolumeClaims()
                .inNamespace(NS)
                .withName("data-web-0")
                .edit(c -> new PersistentVolumeClaimBuilder(c)
                        .editMetadata()
                        .addToLabels("touched", "yes")
                        .endMetadata()
                        .build());
        assertThat(labelled.getMetadata().getResourceVersion()).isNotEqualTo(stale);

        assertThatThrownBy(() -> store.persistentVolumeClaims()
                        .inNamespace(NS)
                        .withName("data-web-0")
                        .patch(PatchContext.of(PatchType.JSON), growPatch(stale)))
                .isInstanceOfSatisfying(
                        KubernetesClientException.class,
                        e -> assertThat(e.getCode()).isEqualTo(422));
        PersistentVolumeClaim after = store.persistentVolumeClaims()
                .inNamespace(NS)
                .withName("data-web-0")
                .get();
        assertThat(after.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("1Gi"));
        assertThat(after.getMetadata().getResourceVersion())
                .isEqualTo(labelled.getMetadata().getResourceVersion());
    }

    @Test
    void withoutADefaultStorageClassAClaimKeepsNoClass() {
        createClass("slow", false);

        assertThat(createClaim("data-web-0", null).getSpec().getStorageClassName())
                .isNull();
    }

    @Test
    void aClaimThatNamesNoClassGetsTheDefaultOne() {
        createClass("slow", false);
        createClass("standard", true);

        assertThat(createClaim("data-web-0", null).getSpec().getStorageClassName())
                .isEqualTo("standard");
        assertThat(store.persistentVolumeClaims()
                        .inNamespace(NS)
                        .withName("data-web-0")
                        .get()
                        .getSpec()
                        .getStorageClassName())
                .as("as stored")
                .isEqualTo("standard");
    }

    @Test
    void aClaimThatNamesAClassOrTheEmptyClassKeepsIt() {
        createClass("standard", true);

        assertThat(createClaim("data-web-0", "slow").getSpec().getStorageClassName())
                .isEqualTo("slow");
        assertThat(createClaim("data-web-1", "").getSpec().getStorageClassName())
                .as("\"\" asks for no class and is kept")
                .isEmpty();
    }

    private PersistentVolumeClaim createClaim(String name, String storageClass) {
        return store.persistentVolumeClaims()
                .inNamespace(NS)
                .resource(new PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace(NS)
                        .endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteOnce")
                        .withStorageClassName(storageClass)
                        .withNewResources()
                        .addToRequests("storage", new Quantity("1Gi"))
                        .endResources()
                        .endSpec()
                        .build())
                .create();
    }

    private void createClass(String name, boolean isDefault) {
        store.storage()
                .v1()
                .storageClasses()
                .resource(new StorageClassBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .addToAnnotations(
                                SimApiServer.FaithfulCrudDispatcher.DEFAULT_CLASS_ANNOTATION, String.valueOf(isDefault))
                        .endMetadata()
                        .withProvisioner("sim.ordinal.dev/node-local")
                        .withAllowVolumeExpansion(true)
                        .build())
                .create();
    }

    private static String growPatch(String resourceVersion) {
        return "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"" + resourceVersion
                + "\"},{\"op\":\"add\",\"path\":\"/spec/resources/requests/storage\",\"value\":\"2Gi\"}]";
    }
}
