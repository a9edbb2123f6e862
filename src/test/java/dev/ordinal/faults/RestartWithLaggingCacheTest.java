package dev.ordinal.faults;

import static dev.ordinal.identity.OrdinalKeys.CLAIMS_GATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.cluster.ClusterCaches;
import dev.ordinal.cluster.SetKey;
import dev.ordinal.controller.ClusterReader;
import dev.ordinal.controller.OrdinalController;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.plan.ControllerEvent;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Issue 7, fault 5, the case {@code RestartTest} leaves out: the controller restarts between creating a PVC and
 * lifting the claims gate, and the new process's PVC cache has not caught up with storage yet (its watch has not
 * delivered the claim). It creates the claim again, gets AlreadyExists, and must treat that as the claim existing:
 * the gate is lifted, the original claim is untouched, and no second claim appears.
 */
@QuarkusTest
@TestProfile(FaultsProfile.class)
@WithTestResource(value = FaultyApiServerResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class RestartWithLaggingCacheTest {

    @Inject
    ClusterReader cacheReader;

    @Inject
    ClusterCaches caches;

    @Test
    void aRestartedControllerWhoseCacheLacksTheClaimGetsAlreadyExistsAndStillLiftsTheGate() {
        FaultyApiServer server = FaultyApiServerResource.server();
        server.start();
        await().atMost(Duration.ofSeconds(60))
                .until(() ->
                        caches.synced() && caches.staleness().disconnected().isEmpty());
        String ns = Cluster.namespace();
        Cluster cluster = new Cluster(server.client());
        // What the controller that died left behind: the claim exists, the pod still has the claims gate.
        PersistentVolumeClaim before = cluster.client()
                .persistentVolumeClaims()
                .inNamespace(ns)
                .resource(new PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName("data-web-0")
                        .withNamespace(ns)
                        .addToLabels(OrdinalKeys.SET_LABEL, "web")
                        .endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteOnce")
                        .withNewResources()
                        .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi"))
                        .endResources()
                        .endSpec()
                        .build())
                .create();
        Pod pod = new PodBuilder(PodFixtures.stored("web", 0)
                        .gate(CLAIMS_GATE)
                        .pending()
                        .annotation(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION, LeaderLostTest.claimTemplates())
                        .build())
                .editSpec()
                .addNewVolume()
                .withName("data")
                .withNewPersistentVolumeClaim("data-web-0", false)
                .endVolume()
                .endSpec()
                .build();
        cluster.create(ns, pod);

        java.util.function.Predicate<FaultyApiServer.Answered> createsOfTheClaim = a -> "POST".equals(a.method())
                && "data-web-0".equals(a.name())
                && a.path().endsWith("/persistentvolumeclaims");
        int byTheTest = server.answered(createsOfTheClaim).size();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (OrdinalController restarted = new OrdinalController(
                server.client(),
                withoutClaims(Controllers.scoped(cacheReader, ns)),
                Controllers.settings(ns, "restarted"),
                metrics,
                Clock.systemUTC())) {
            restarted.start();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !Cluster.gates(cluster.pod(ns, "web-0")).contains(CLAIMS_GATE));
        }
        List<FaultyApiServer.Answered> all = server.answered(createsOfTheClaim);
        List<Integer> posts = all.subList(byTheTest, all.size()).stream()
                .map(FaultyApiServer.Answered::code)
                .toList();
        assertThat(posts)
                .as("creates of data-web-0 after the restart (HTTP codes)")
                .isNotEmpty()
                .containsOnly(409);
        assertThat(cluster.client()
                        .persistentVolumeClaims()
                        .inNamespace(ns)
                        .list()
                        .getItems())
                .as("no second claim; the original untouched")
                .singleElement()
                .satisfies(c -> assertThat(c.getMetadata().getResourceVersion())
                        .isEqualTo(before.getMetadata().getResourceVersion()));
        assertThat(metrics.counter("ordinal.controller.claims.created").count()).isZero();
        assertThat(cluster.client().v1().events().inNamespace(ns).list().getItems().stream()
                        .filter(e -> ControllerEvent.CLAIM_REUSED.equals(e.getReason())))
                .as("ClaimReused")
                .hasSize(1);
        Figures.record(
                "5-restart-lagging-cache.claim-creates-after-restart",
                posts + " (AlreadyExists, counted as " + "reused; gate lifted)");
    }

    /** The reader of a fresh process whose PVC watch has not delivered the claims yet. */
    private static ClusterReader withoutClaims(ClusterReader reader) {
        return new ClusterReader() {
            @Override
            public boolean synced() {
                return reader.synced();
            }

            @Override
            public Collection<SetKey> sets() {
                return reader.sets();
            }

            @Override
            public List<Pod> pods(SetKey key) {
                return reader.pods(key);
            }

            @Override
            public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
                return Optional.empty();
            }

            @Override
            public List<PersistentVolumeClaim> claims(String namespace) {
                return List.of();
            }

            @Override
            public Optional<Service> service(String namespace, String name) {
                return reader.service(namespace, name);
            }

            @Override
            public java.util.Set<Integer> reserved(SetKey key) {
                return reader.reserved(key);
            }

            @Override
            public void onSetChange(Consumer<SetKey> listener) {
                reader.onSetChange(listener);
            }
        };
    }
}
