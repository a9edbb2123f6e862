package dev.ordinal.realcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * StatefulSet parity (issue 15) on the real control plane: PVC retention with the real garbage collector, claims
 * deleted on scale-down only after their pods, a claim grown by a larger template, reserved ordinals, and the move
 * of a StatefulSet's pods to an Ordinal Deployment on their old claims, as docs/migrate-from-statefulset.md says.
 * Shares the JVM's {@link RealCluster} (with {@link RealControlPlaneIT} when both run); its namespaces are
 * {@code p1}..{@code p5} (2 and 3 share one).
 */
@ExtendWith(ClusterDiagnostics.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatefulSetParityIT {

    static final Duration ROLLOUT = Duration.ofSeconds(90);

    static RealCluster cluster;
    static KubernetesClient admin;
    static Kubectl kubectl;
    static ClusterQueries queries;

    @BeforeAll
    static void cluster() throws Exception {
        cluster = RealCluster.shared();
        admin = cluster.admin();
        kubectl = cluster.kubectl;
        queries = new ClusterQueries(admin);
    }

    static void assertMounts(Pod pod, String claim) {
        assertThat(pod.getSpec().getVolumes())
                .as("%s's volumes", pod.getMetadata().getName())
                .anyMatch(v -> v.getPersistentVolumeClaim() != null
                        && claim.equals(v.getPersistentVolumeClaim().getClaimName()));
    }

    /**
     * When each object of one namespace was last seen going away: for pods the watch's delete (the pod is gone), for
     * claims the first sight of a deletion timestamp (the delete call; the PVC-protection finalizer may hold the
     * object a little longer). Kept as etcd revisions (one etcd: a total order across kinds) and as local instants.
     */
    static final class Departures<T extends HasMetadata> implements AutoCloseable {
        final Map<String, Long> revision = new ConcurrentHashMap<>();
        final Map<String, Instant> at = new ConcurrentHashMap<>();
        private final SharedIndexInformer<T> informer;

        Departures(io.fabric8.kubernetes.client.dsl.Informable<T> source, boolean untilGone) {
            informer = source.inform(new ResourceEventHandler<>() {
                @Override
                public void onAdd(T obj) {
                    onUpdate(null, obj);
                }

                @Override
                public void onUpdate(T oldObj, T obj) {
                    if (!untilGone && obj.getMetadata().getDeletionTimestamp() != null) {
                        record(obj);
                    }
                }

                @Override
                public void onDelete(T obj, boolean unknown) {
                    record(obj);
                }
            });
        }

        private void record(T obj) {
            String name = obj.getMetadata().getName();
            if (at.putIfAbsent(name, Instant.now()) == null) {
                revision.put(name, Long.parseLong(obj.getMetadata().getResourceVersion()));
            }
        }

        @Override
        public void close() {
            informer.close();
        }
    }

    @Test
    @Order(1)
    void whenDeletedDeleteTheGarbageCollectorDeletesTheClaimsWithTheDeployment() throws Exception {
        String ns = cluster.namespace("p1");
        kubectl.apply(
                ns, ClusterQueries.deployment("web", 2, "ordinal.dev/pvc-retention: \"whenDeleted=Delete\"", "1Gi"));
        queries.awaitRunning(ns, ClusterQueries.names("web", 0, 1), ROLLOUT);
        String deployment = admin.apps()
                .deployments()
                .inNamespace(ns)
                .withName("web")
                .get()
                .getMetadata()
                .getUid();
        await().atMost(ROLLOUT).untilAsserted(() -> {
            for (String name : List.of("data-web-0", "data-web-1")) {
                assertThat(queries.claim(ns, name).getMetadata().getOwnerReferences())
                        .as("%s owners", name)
                        .anyMatch(o -> "Deployment".equals(o.getKind()) && deployment.equals(o.getUid()));
            }
        });
        assertThat(queries.events(ns, "ClaimRetentionUpdated")).isNotEmpty();
        kubectl.run("-n", ns, "delete", "deployment", "web").orFail();
        await().atMost(ROLLOUT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(admin.pods().inNamespace(ns).list().getItems()).isEmpty();
            assertThat(admin.persistentVolumeClaims().inNamespace(ns).list().getItems())
                    .as("claims garbage-collected with the Deployment")
                    .isEmpty();
        });
    }

    @Test
    @Order(2)
    void whenScaledDeleteDeletesTheClaimsAboveTheNewSizeOnlyAfterTheirPods() throws Exception {
        String ns = cluster.namespace("p2");
        kubectl.apply(
                ns, ClusterQueries.deployment("web", 3, "ordinal.dev/pvc-retention: \"whenScaled=Delete\"", "1Gi"));
        queries.awaitRunning(ns, ClusterQueries.names("web", 0, 1, 2), ROLLOUT);
        String keep = queries.claim(ns, "data-web-0").getMetadata().getUid();
        Instant scaled;
        try (Departures<Pod> pods = new Departures<>(admin.pods().inNamespace(ns), true);
                Departures<PersistentVolumeClaim> claims =
                        new Departures<>(admin.persistentVolumeClaims().inNamespace(ns), false)) {
            scaled = Instant.now();
            kubectl.run("-n", ns, "scale", "deployment/web", "--replicas=1").orFail();
            queries.awaitRunning(ns, ClusterQueries.names("web", 0), ROLLOUT);
            await().atMost(ROLLOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(
                            () -> assertThat(queries.claimUids(ns).keySet()).containsExactly("data-web-0"));
            for (int n : new int[] {2, 1}) {
                String pod = "web-" + n;
                String claim = "data-web-" + n;
                assertThat(pods.revision).containsKey(pod);
                assertThat(claims.revision).containsKey(claim);
                System.out.printf(
                        "scale 3 -> 1: %s gone at +%d ms (rev %d), %s deleted at +%d ms (rev %d)%n",
                        pod,
                        Duration.between(scaled, pods.at.get(pod)).toMillis(),
                        pods.revision.get(pod),
                        claim,
                        Duration.between(scaled, claims.at.get(claim)).toMillis(),
                        claims.revision.get(claim));
                assertThat(claims.revision.get(claim))
                        .as("%s deleted after %s was gone (etcd revisions)", claim, pod)
                        .isGreaterThan(pods.revision.get(pod));
            }
        }
        assertThat(queries.claim(ns, "data-web-0").getMetadata().getUid()).isEqualTo(keep);
        assertThat(queries.events(ns, "ClaimDeleted"))
                .extracting(e -> e.getMessage())
                .anyMatch(m -> m.contains("data-web-1"))
                .anyMatch(m -> m.contains("data-web-2"));
    }

    /** Continues 2: the Deployment's template asks for 2Gi; Recreate re-creates web-0, whose claim grows. */
    @Test
    @Order(3)
    void recreatedMemberWithALargerTemplateGrowsItsClaim() throws Exception {
        String ns = "p2";
        String pod = queries.livePods(ns).get("web-0").getMetadata().getUid();
        String uid = queries.claim(ns, "data-web-0").getMetadata().getUid();
        kubectl.run(
                        "-n",
                        ns,
                        "patch",
                        "deployment",
                        "web",
                        "--type=json",
                        "-p",
                        "[{\"op\":\"replace\",\"path\":"
                                + "\"/spec/template/spec/volumes/0/ephemeral/volumeClaimTemplate/spec/resources/requests/storage\","
                                + "\"value\":\"2Gi\"}]")
                .orFail();
        await().atMost(ROLLOUT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Pod web0 = queries.livePods(ns).get("web-0");
            assertThat(web0).isNotNull();
            assertThat(web0.getMetadata().getUid()).as("web-0 re-created").isNotEqualTo(pod);
            assertThat(PodWatch.ready(web0)).isTrue();
            PersistentVolumeClaim claim = queries.claim(ns, "data-web-0");
            assertThat(claim.getMetadata().getUid()).as("the same claim").isEqualTo(uid);
            assertThat(claim.getSpec().getResources().getRequests().get("storage"))
                    .isEqualTo(new Quantity("2Gi"));
            assertThat(queries.events(ns, "ClaimResized"))
                    .anyMatch(e -> "web-0".equals(e.getInvolvedObject().getName()));
        });
        assertThat(queries.livePods(ns).keySet()).containsExactly("web-0");
        assertThat(queries.claimUids(ns).keySet())
                .as("a rollout is no scale-down")
                .containsExactly("data-web-0");
    }

    @Test
    @Order(4)
    void reservedOrdinalsAreSkipped() throws Exception {
        String ns = cluster.namespace("p4");
        kubectl.apply(ns, ClusterQueries.deployment("web", 3, "ordinal.dev/reserved-ordinals: \"1,3\"", "1Gi"));
        queries.awaitRunning(ns, ClusterQueries.names("web", 0, 2, 4), ROLLOUT);
        assertThat(queries.claimUids(ns).keySet()).containsExactlyInAnyOrder("data-web-0", "data-web-2", "data-web-4");
    }

    /** docs/migrate-from-statefulset.md, "StatefulSet → Ordinal", step by step with kubectl. */
    @Test
    @Order(5)
    void statefulSetMovesToAnOrdinalDeploymentKeepingItsClaims() throws Exception {
        String ns = cluster.namespace("p5");
        String container = """
                      containers:
                        - name: app
                          image: nginx:1.27
                          ports: [{containerPort: 80, name: web}]
                          volumeMounts: [{name: data, mountPath: /data}]
                """;
        kubectl.apply(ns, """
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80, name: web}]}
                ---
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: web}
                spec:
                  serviceName: web
                  replicas: 2
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                %s
                  volumeClaimTemplates:
                    - metadata: {name: data}
                      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
                """.formatted(container));
        Map<String, Pod> old = queries.awaitRunning(ns, ClusterQueries.names("web", 0, 1), ROLLOUT);
        Map<String, String> claims = queries.claimUids(ns);
        assertThat(claims.keySet()).containsExactlyInAnyOrder("data-web-0", "data-web-1");

        // Step 1: orphan the pods.
        kubectl.run("-n", ns, "delete", "statefulset", "web", "--cascade=orphan")
                .orFail();
        await().atMost(ROLLOUT)
                .untilAsserted(() -> assertThat(queries.livePods(ns).values())
                        .allMatch(
                                p -> p.getMetadata().getOwnerReferences() == null
                                        || p.getMetadata().getOwnerReferences().isEmpty(),
                                "orphaned"));
        // Step 2: the Deployment, at 0 replicas.
        kubectl.apply(ns, """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  replicas: 0
                  strategy: {type: Recreate}
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web, ordinal.dev/set: web}}
                    spec:
                %s
                      volumes:
                        - name: data
                          ephemeral:
                            volumeClaimTemplate:
                              spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
                """.formatted(container));
        // Why 0 replicas: the orphaned pods are no members, so a member created now is named web-0 and refused.
        Kubectl.Result early = kubectl.runWithInput("""
                apiVersion: v1
                kind: Pod
                metadata:
                  generateName: web-
                  labels: {app: web, ordinal.dev/set: web}
                spec:
                  containers: [{name: app, image: nginx:1.27}]
                """, "-n", ns, "create", "--dry-run=server", "-f", "-");
        assertThat(early.ok()).as("a member created while the old web-0 runs").isFalse();
        assertThat(early.stderr()).contains("AlreadyExists").contains("\"web-0\" already exists");
        // Step 3: hand over one pod at a time, lowest ordinal first.
        for (int n = 0; n < 2; n++) {
            String name = "web-" + n;
            kubectl.run("-n", ns, "delete", "pod", name, "--wait").orFail();
            kubectl.run("-n", ns, "scale", "deployment/web", "--replicas=" + (n + 1))
                    .orFail();
            int ordinal = n;
            await().atMost(ROLLOUT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                Pod pod = queries.livePods(ns).get(name);
                assertThat(pod).as(name).isNotNull();
                assertThat(pod.getMetadata().getUid())
                        .isNotEqualTo(old.get(name).getMetadata().getUid());
                assertThat(pod.getMetadata().getLabels()).containsEntry("ordinal.dev/set", "web");
                assertThat(PodWatch.ready(pod)).as("%s Ready", name).isTrue();
                assertMounts(pod, "data-web-" + ordinal);
            });
        }
        // Step 4: the same claims, by uid.
        queries.awaitRunning(ns, ClusterQueries.names("web", 0, 1), ROLLOUT);
        assertThat(queries.claimUids(ns)).isEqualTo(claims);
        assertThat(queries.livePods(ns).values())
                .allMatch(
                        p -> p.getMetadata().getOwnerReferences().stream()
                                .anyMatch(o -> "ReplicaSet".equals(o.getKind())),
                        "owned by the Deployment's ReplicaSet");
        // The webhook found each claim in its cache, so no pod was gated for claims and none was created; the
        // controller's ClaimReused is only for a pod gated while its claim was missing from that cache.
        assertThat(queries.events(ns, "ClaimCreated")).isEmpty();
    }
}
