package dev.ordinal.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.ordinal.identity.Member;
import dev.ordinal.plan.ClaimPlan;
import dev.ordinal.plan.GatePatch;
import dev.ordinal.plan.HeadlessService;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A fully populated pod (every field Ordinal reads, and managed fields, statuses, probes, volumes it does not) goes
 * through the pod cache's reduced store, and everything Ordinal computes from a cached pod must come out the same:
 * a field Ordinal reads that {@link CachedFields#reduce} does not keep fails here.
 */
class CachedFieldsTest {

    static Pod throughStore(Pod pod) {
        return through(CachedFields.podStore(), pod);
    }

    /** What a read of {@code object} from {@code store} gives after {@code object} was put there. */
    static <T> T through(ItemStore<T> store, T object) {
        String key = store.getKey(object);
        store.put(key, object);
        return store.get(key);
    }

    /** {@code ClusterView.pod} hands out what the store returns without copying it: this is why it may. */
    @Test
    void everyReadRestoresANewPodThatNoOtherReaderShares() {
        ItemStore<Pod> store = CachedFields.podStore();
        Pod full = PodFixtures.realistic("ns-1", "web", 3);
        String key = store.getKey(full);
        store.put(key, full);

        Pod first = store.get(key);
        first.getMetadata().getLabels().put("changed", "by a reader");
        first.getMetadata().getAnnotations().clear();
        first.getSpec().getSchedulingGates().clear();
        first.getStatus().getConditions().clear();
        first.getMetadata().getOwnerReferences().get(0).setController(false);
        first.getSpec().getContainers().get(0).getPorts().get(0).setContainerPort(1);
        Pod second = store.get(key);

        assertThat(second).isNotSameAs(first);
        assertThat(second.getMetadata().getLabels()).doesNotContainKey("changed");
        assertThat(second.getMetadata().getAnnotations()).isNotEmpty();
        assertThat(second.getSpec().getSchedulingGates()).isNotEmpty();
        assertThat(second.getStatus().getConditions()).isNotEmpty();
        assertThat(Member.of(second, "web")).isEqualTo(Member.of(full, "web"));
        assertThat(HeadlessService.ports(List.of(second))).isEqualTo(HeadlessService.ports(List.of(full)));
    }

    /** The watch's pod goes to the event handlers too: what they (or anyone) do to it later cannot reach the cache. */
    @Test
    void theStoreSharesNothingWithThePodItWasGiven() {
        ItemStore<Pod> store = CachedFields.podStore();
        Pod full = PodFixtures.realistic("ns-1", "web", 3);
        Member before = Member.of(full, "web");
        store.put(store.getKey(full), full);

        full.getMetadata().getLabels().clear();
        full.getMetadata().getOwnerReferences().clear();
        full.getSpec().getSchedulingGates().get(0).setName("other");
        full.getStatus().getConditions().forEach(c -> c.setStatus("False"));

        assertThat(Member.of(store.get("ns-1/web-3"), "web")).isEqualTo(before);
    }

    @Test
    void anUpdateHandsOutWhatWasCachedAndARemovalWhatItRemoved() {
        ItemStore<Pod> store = CachedFields.podStore();
        Pod first = PodFixtures.realistic("ns-1", "web", 3);
        Pod second = PodFixtures.realistic("ns-1", "web", 3);
        second.getMetadata().setResourceVersion("2000");
        String key = store.getKey(first);

        assertThat(key).isEqualTo("ns-1/web-3");
        assertThat(store.put(key, first)).isNull();
        assertThat(store.put(key, second).getMetadata().getResourceVersion()).isEqualTo("1003");
        assertThat(store.size()).isOne();
        assertThat(store.keySet()).containsExactly(key);
        assertThat(store.values())
                .singleElement()
                .satisfies(p -> assertThat(p.getMetadata().getResourceVersion()).isEqualTo("2000"));
        assertThat(store.remove(key).getMetadata().getResourceVersion()).isEqualTo("2000");
        assertThat(store.get(key)).isNull();
        assertThat(store.size()).isZero();
        assertThat(store.isFullState()).isFalse();
    }

    static Stream<Arguments> podUpdates() {
        return Stream.of(
                argumentSet("no change", false, (Consumer<Pod>) p -> {}),
                argumentSet("resourceVersion only", false, (Consumer<Pod>)
                        p -> p.getMetadata().setResourceVersion("99999")),
                argumentSet("bound to another node", false, (Consumer<Pod>)
                        p -> p.getSpec().setNodeName("node-2")),
                argumentSet("PodScheduled condition", false, (Consumer<Pod>)
                        p -> condition(p, "PodScheduled").setLastTransitionTime("2030-01-01T00:00:00Z")),
                argumentSet("ContainersReady condition", false, (Consumer<Pod>)
                        p -> condition(p, "ContainersReady").setStatus("False")),
                argumentSet("container statuses", false, (Consumer<Pod>)
                        p -> p.getStatus().getContainerStatuses().get(0).setRestartCount(7)),
                argumentSet("managed fields", false, (Consumer<Pod>)
                        p -> p.getMetadata().setManagedFields(List.of())),
                argumentSet("Ready status", true, (Consumer<Pod>)
                        p -> condition(p, "Ready").setStatus("False")),
                argumentSet("Ready since", true, (Consumer<Pod>)
                        p -> condition(p, "Ready").setLastTransitionTime("2030-01-01T00:00:00Z")),
                argumentSet("Ready condition gone", true, (Consumer<Pod>) p ->
                        p.getStatus().getConditions().removeIf(c -> c.getType().equals("Ready"))),
                argumentSet("phase", true, (Consumer<Pod>) p -> p.getStatus().setPhase("Failed")),
                argumentSet("a gate lifted", true, (Consumer<Pod>)
                        p -> p.getSpec().getSchedulingGates().remove(0)),
                argumentSet("an annotation", true, (Consumer<Pod>)
                        p -> p.getMetadata().getAnnotations().put("ordinal.dev/min-ready-seconds", "5")),
                argumentSet("a label", true, (Consumer<Pod>)
                        p -> p.getMetadata().getLabels().put("tier", "db")),
                argumentSet("owner", true, (Consumer<Pod>) p -> p.getMetadata().setOwnerReferences(List.of())),
                argumentSet(
                        "deletion", true, (Consumer<Pod>) p -> p.getMetadata().setDeletionTimestamp(null)),
                argumentSet("uid (re-created)", true, (Consumer<Pod>)
                        p -> p.getMetadata().setUid("uid-new")),
                argumentSet("container image", false, (Consumer<Pod>)
                        p -> p.getSpec().getContainers().get(0).setImage("nginx:2")),
                argumentSet("container ports", true, (Consumer<Pod>)
                        p -> p.getSpec().getContainers().get(0).setPorts(List.of())),
                argumentSet("a port's protocol", true, (Consumer<Pod>) p ->
                        p.getSpec().getContainers().get(0).getPorts().get(0).setProtocol("UDP")),
                argumentSet("container renamed", true, (Consumer<Pod>)
                        p -> p.getSpec().getContainers().get(0).setName("renamed")),
                argumentSet("a container added", true, (Consumer<Pod>) p -> p.getSpec()
                        .getContainers()
                        .add(new ContainerBuilder().withName("sidecar").build())));
    }

    /** The cached pod (the update's old object) against the whole pod the watch delivers next. */
    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("podUpdates")
    void anUpdateStartsAPassOnlyWhenItChangesWhatOrdinalReads(boolean matters, Consumer<Pod> update) {
        Pod cached = throughStore(PodFixtures.realistic("ns-1", "web", 3));
        Pod next = PodFixtures.realistic("ns-1", "web", 3);
        update.accept(next);

        assertThat(CachedFields.podChangeMatters(cached, next)).isEqualTo(matters);
    }

    static Stream<Arguments> claimUpdates() {
        return Stream.of(
                argumentSet("no change", false, (Consumer<PersistentVolumeClaim>) c -> {}),
                argumentSet("bound to a volume", false, (Consumer<PersistentVolumeClaim>) c -> {
                    c.getSpec().setVolumeName("pv-1");
                    c.setStatus(new PersistentVolumeClaimStatusBuilder()
                            .withPhase("Bound")
                            .build());
                    c.getMetadata().setAnnotations(Map.of("pv.kubernetes.io/bind-completed", "yes"));
                    c.getMetadata().setResourceVersion("2");
                }),
                argumentSet("storage request", true, (Consumer<PersistentVolumeClaim>)
                        c -> c.getSpec().getResources().setRequests(Map.of("storage", new Quantity("2Gi")))),
                argumentSet("storage class", true, (Consumer<PersistentVolumeClaim>)
                        c -> c.getSpec().setStorageClassName("fast")),
                argumentSet("owner", true, (Consumer<PersistentVolumeClaim>) c -> c.getMetadata()
                        .setOwnerReferences(List.of(new OwnerReferenceBuilder()
                                .withKind("Deployment")
                                .withName("web")
                                .withUid("u")
                                .build()))),
                argumentSet("deletion", true, (Consumer<PersistentVolumeClaim>)
                        c -> c.getMetadata().setDeletionTimestamp("2030-01-01T00:00:00Z")),
                argumentSet("set label", true, (Consumer<PersistentVolumeClaim>)
                        c -> c.getMetadata().setLabels(Map.of())));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("claimUpdates")
    void aClaimUpdateStartsAPassOnlyWhenItChangesWhatOrdinalReads(
            boolean matters, Consumer<PersistentVolumeClaim> update) {
        PersistentVolumeClaim before = through(CachedFields.claimStore(), claim());
        PersistentVolumeClaim after = claim();
        update.accept(after);

        assertThat(CachedFields.claimChangeMatters(before, after)).isEqualTo(matters);
    }

    @Test
    void everythingOrdinalReadsOfAClaimSurvivesTheStoreAndNothingElse() {
        PersistentVolumeClaim full = new PersistentVolumeClaimBuilder(claim())
                .editMetadata()
                .withDeletionTimestamp("2030-01-01T00:00:00Z")
                .addNewOwnerReference()
                .withApiVersion("apps/v1")
                .withKind("Deployment")
                .withName("web")
                .withUid("owner-uid")
                .withController(false)
                .endOwnerReference()
                .addToAnnotations("pv.kubernetes.io/bind-completed", "yes")
                .endMetadata()
                .editSpec()
                .withVolumeName("pv-1")
                .endSpec()
                .withStatus(new PersistentVolumeClaimStatusBuilder()
                        .withPhase("Bound")
                        .build())
                .build();
        ReducedStore<PersistentVolumeClaim, ?> store = CachedFields.claimStore();
        store.put(store.getKey(full), full);
        PersistentVolumeClaim cached = store.get("ns-1/data-web-3");

        assertThat(store.contains("ns-1/data-web-3")).isTrue();
        assertThat(store.contains("ns-1/data-web-4")).isFalse();
        assertThat(CachedFields.claimChangeMatters(cached, full)).isFalse();
        assertThat(List.of(
                        cached.getMetadata().getNamespace(),
                        cached.getMetadata().getName(),
                        cached.getMetadata().getUid(),
                        cached.getMetadata().getResourceVersion(),
                        cached.getMetadata().getDeletionTimestamp()))
                .isEqualTo(List.of("ns-1", "data-web-3", "claim-uid", "1", "2030-01-01T00:00:00Z"));
        assertThat(cached.getMetadata().getLabels()).isEqualTo(Map.of("ordinal.dev/set", "web"));
        assertThat(cached.getMetadata().getOwnerReferences())
                .isEqualTo(full.getMetadata().getOwnerReferences());
        assertThat(cached.getSpec().getResources()).isEqualTo(full.getSpec().getResources());
        assertThat(cached.getSpec().getStorageClassName()).isEqualTo("standard");

        assertThat(cached.getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(cached.getSpec().getVolumeName()).isNull();
        assertThat(cached.getSpec().getAccessModes()).isNullOrEmpty();
        assertThat(cached.getStatus()).isNull();

        cached.getSpec().getResources().getRequests().put("storage", new Quantity("9Gi"));
        cached.getMetadata().getOwnerReferences().clear();
        assertThat(CachedFields.claimChangeMatters(store.get("ns-1/data-web-3"), full))
                .as("a read shares nothing with the cache")
                .isFalse();
    }

    private static PersistentVolumeClaim claim() {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withNamespace("ns-1")
                .withName("data-web-3")
                .withUid("claim-uid")
                .withResourceVersion("1")
                .addToLabels("ordinal.dev/set", "web")
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName("standard")
                .withNewResources()
                .addToRequests("storage", new Quantity("1Gi"))
                .endResources()
                .endSpec()
                .build();
    }

    private static PodCondition condition(Pod pod, String type) {
        return pod.getStatus().getConditions().stream()
                .filter(c -> c.getType().equals(type))
                .findFirst()
                .orElseThrow();
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
        assertThat(cached.getSpec().getContainers()).singleElement().satisfies(c -> {
            assertThat(c.getImage()).isNull();
            assertThat(c.getEnv()).isNullOrEmpty();
            assertThat(c.getReadinessProbe()).isNull();
            assertThat(c.getPorts()).isNotEmpty();
        });
        assertThat(Map.of("podIP", String.valueOf(cached.getStatus().getPodIP())))
                .containsEntry("podIP", "null");
    }
}
