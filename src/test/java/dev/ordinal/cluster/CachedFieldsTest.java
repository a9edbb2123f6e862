package dev.ordinal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.identity.Member;
import dev.ordinal.plan.ClaimPlan;
import dev.ordinal.plan.GatePatch;
import dev.ordinal.plan.HeadlessService;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A fully populated pod (every field Ordinal reads, and managed fields, statuses, probes, volumes it does not) goes
 * through the pod cache's reduced store, and everything Ordinal computes from a cached pod must come out the same:
 * a field Ordinal reads that {@link CachedFields#POD} does not keep fails here.
 */
class CachedFieldsTest {

    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    static Pod throughStore(Pod pod) {
        ItemStore<Pod> store = CachedFields.podStore(SERIALIZATION);
        String key = store.getKey(pod);
        store.put(key, pod);
        return store.get(key);
    }

    /** {@code ClusterView.pod} hands out what the store returns without copying it: this is why it may. */
    @Test
    void everyReadRestoresANewPodThatNoOtherReaderShares() {
        ItemStore<Pod> store = CachedFields.podStore(SERIALIZATION);
        Pod full = PodFixtures.realistic("ns-1", "web", 3);
        String key = store.getKey(full);
        store.put(key, full);

        Pod first = store.get(key);
        first.getMetadata().getLabels().put("changed", "by a reader");
        first.getMetadata().getAnnotations().clear();
        first.getSpec().getSchedulingGates().clear();
        first.getStatus().getConditions().clear();
        Pod second = store.get(key);

        assertThat(second).isNotSameAs(first);
        assertThat(second.getMetadata().getLabels()).doesNotContainKey("changed");
        assertThat(second.getMetadata().getAnnotations()).isNotEmpty();
        assertThat(second.getSpec().getSchedulingGates()).isNotEmpty();
        assertThat(second.getStatus().getConditions()).isNotEmpty();
        assertThat(Member.of(second, "web")).isEqualTo(Member.of(full, "web"));
    }

    @Test
    void everythingOrdinalReadsSurvivesTheStore() {
        Pod full = PodFixtures.realistic("ns-1", "web", 3);
        Pod cached = throughStore(full);

        assertThat(Member.of(cached, "web"))
                .as("the index's and the controller's member")
                .isEqualTo(Member.of(full, "web"));
        assertThat(Member.controllerOf(cached)).isEqualTo("ReplicaSet/web-5d8f7c9b6");
        assertThat(Member.isTerminating(cached)).isTrue();
        assertThat(Member.isRunningAndReady(cached)).isTrue();
        assertThat(SetIndex.keyOf(cached)).isEqualTo(new SetKey("ns-1", "web"));
        assertThat(HeadlessService.ports(List.of(cached)))
                .as("Service ports")
                .isEqualTo(HeadlessService.ports(List.of(full)))
                .hasSize(2);
        Pod live = new PodBuilder(full)
                .editMetadata()
                .withDeletionTimestamp(null)
                .endMetadata()
                .build();
        ClaimPlan.Plan plan = ClaimPlan.plan(live, "web", n -> Optional.empty());
        assertThat(plan).isNotInstanceOf(ClaimPlan.Plan.NotGated.class);
        assertThat(ClaimPlan.plan(throughStore(live), "web", n -> Optional.empty()))
                .as("claim plan")
                .isEqualTo(plan);
        assertThat(GatePatch.removal(cached.getSpec().getSchedulingGates(), "ordinal.dev/ordered"))
                .isEqualTo(GatePatch.removal(full.getSpec().getSchedulingGates(), "ordinal.dev/ordered"))
                .isPresent();
        assertThat(cached.getMetadata().getAnnotations())
                .isEqualTo(full.getMetadata().getAnnotations());
        // Events and writes name the pod by these.
        assertThat(List.of(
                        cached.getKind(),
                        cached.getApiVersion(),
                        cached.getMetadata().getNamespace(),
                        cached.getMetadata().getName(),
                        cached.getMetadata().getUid(),
                        cached.getMetadata().getResourceVersion()))
                .isEqualTo(List.of("Pod", "v1", "ns-1", "web-3", "uid-web-3", "1003"));
    }

    @Test
    void theStoreDropsWhatOrdinalDoesNotRead() {
        Pod cached = throughStore(PodFixtures.realistic("ns-1", "web", 3));

        assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(cached.getStatus().getContainerStatuses()).isNullOrEmpty();
        assertThat(cached.getSpec().getVolumes()).isNullOrEmpty();
        assertThat(cached.getSpec().getTolerations()).isNullOrEmpty();
        assertThat(cached.getSpec().getNodeName()).isNull();
        assertThat(Map.of("podIP", String.valueOf(cached.getStatus().getPodIP())))
                .containsEntry("podIP", "null");
    }
}
