package dev.ordinal.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.deploy.ExpectedRbac;
import dev.ordinal.deploy.ExpectedRbac.Permission;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.plan.ControllerEvent;
import dev.ordinal.plan.GapHealing;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The RBAC in deploy/ is exactly what the code uses: every request the running app sends to the (mock) API server
 * is mapped to (group, resource, verb), and that set must equal {@link ExpectedRbac}, no more and no less.
 */
@QuarkusTest
@TestProfile(ControllerTestProfile.class)
@WithKubernetesTestServer(crud = true)
class RbacCoverageTest {

    /** Requests with this user agent are the test's own (seeding, kubelet's part) and are not counted. */
    static final String HARNESS = "ordinal-rbac-test-harness";

    @KubernetesTestServer
    KubernetesServer server;

    @Inject
    ClusterReader cacheReader;

    @Test
    void theAppUsesExactlyThePermissionsDeployGrants() throws Exception {
        KubernetesClient harness = client(HARNESS);
        ControllerTestSupport cluster = new ControllerTestSupport(harness);
        String ns = ControllerTestSupport.namespace();
        // Two pods: web-0 needs a claim (create PVC, lift claims gate), web-1 waits for web-0 (ordered gate, events);
        // the missing Service is created.
        Pod first = PodFixtures.stored("web", 0)
                .gate(OrdinalKeys.CLAIMS_GATE)
                .annotation(
                        OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION,
                        "{\"data\":{\"spec\":{\"accessModes\":[\"ReadWriteOnce\"]}}}")
                .build();
        cluster.create(ns, first);
        cluster.create(
                ns, PodFixtures.stored("web", 1).gate(OrdinalKeys.ORDERED_GATE).build());
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> harness.persistentVolumeClaims()
                                        .inNamespace(ns)
                                        .withName("data-web-0")
                                        .get()
                                != null
                        && harness.services().inNamespace(ns).withName("web").get() != null);
        cluster.ready(ns, "web-0");
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> harness.pods()
                        .inNamespace(ns)
                        .withName("web-1")
                        .get()
                        .getSpec()
                        .getSchedulingGates()
                        .isEmpty());
        // Gap healing deletes pods: set "db" has a gated, ReplicaSet-owned db-2 above a db-1 that nobody created. The
        // application's controller counts a gap as lost after reservation-ttl (15 s) plus the margin; a controller of
        // the same code with a zero TTL (its own Lease, this namespace only) acts after the margin alone.
        cluster.create(ns, PodFixtures.stored("db", 0).ready().build());
        cluster.create(
                ns,
                PodFixtures.stored("db", 2)
                        .gate(OrdinalKeys.ORDERED_GATE)
                        .ownedBy("ReplicaSet", "db-rs")
                        .pending()
                        .build());
        try (OrdinalController healer = new OrdinalController(
                server.getClient(),
                ControllerTestSupport.scoped(cacheReader, ns),
                LeaderElectionTest.settings(ns, "rbac-gap", Duration.ZERO),
                new SimpleMeterRegistry(),
                Clock.systemUTC())) {
            healer.start();
            await().atMost(ControllerTestSupport.TIMEOUT.plus(GapHealing.MARGIN))
                    .until(() -> harness.pods().inNamespace(ns).withName("db-2").get() == null);
        }
        // Retention and growth: GET the ReplicaSet and the Deployment above it, patch claim data-app-0 (owner, then
        // its storage request, after a GET of its StorageClass), delete data-app-1 (above replicas 1, no pod); GET
        // a Job for a Job's member (it need not exist).
        harness.storage()
                .v1()
                .storageClasses()
                .resource(new io.fabric8.kubernetes.api.model.storage.StorageClassBuilder()
                        .withNewMetadata()
                        .withName("fast")
                        .endMetadata()
                        .withProvisioner("example.com/fast")
                        .withAllowVolumeExpansion(true)
                        .build())
                .create();
        String rsUid = ControllerTestSupport.deploymentAbove(harness, ns, 1);
        for (String claim : List.of("data-app-0", "data-app-1")) {
            harness.persistentVolumeClaims()
                    .inNamespace(ns)
                    .resource(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
                            .withNewMetadata()
                            .withName(claim)
                            .withNamespace(ns)
                            .endMetadata()
                            .withNewSpec()
                            .withAccessModes("ReadWriteOnce")
                            .withStorageClassName("fast")
                            .withNewResources()
                            .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi"))
                            .endResources()
                            .endSpec()
                            .build())
                    .create();
        }
        cluster.create(
                ns,
                ControllerTestSupport.retained(0, "whenDeleted=Delete,whenScaled=Delete", "2Gi", rsUid)
                        .build());
        cluster.create(
                ns,
                PodFixtures.stored("batch", 0)
                        .ownedBy("Job", "batch-job")
                        .ready()
                        .annotation(OrdinalKeys.PVC_RETENTION_ANNOTATION, "whenDeleted=Delete")
                        .build());
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> {
            io.fabric8.kubernetes.api.model.PersistentVolumeClaim zero = harness.persistentVolumeClaims()
                    .inNamespace(ns)
                    .withName("data-app-0")
                    .get();
            return harness.persistentVolumeClaims()
                                    .inNamespace(ns)
                                    .withName("data-app-1")
                                    .get()
                            == null
                    && zero.getMetadata().getOwnerReferences() != null
                    && !zero.getMetadata().getOwnerReferences().isEmpty()
                    && "2Gi"
                            .equals(zero.getSpec()
                                    .getResources()
                                    .getRequests()
                                    .get("storage")
                                    .toString());
        });
        // A repeated event is a patch of the first one: drive the app's recorder (not the harness) through it.
        try (KubernetesClient code = client("ordinal-event-recorder")) {
            EventRecorder recorder = new EventRecorder(code, "rbac-test", Clock.systemUTC());
            Pod pod = harness.pods().inNamespace(ns).withName("web-0").get();
            ControllerEvent event = new ControllerEvent(
                    ControllerEvent.Type.Normal,
                    ControllerEvent.ORDINAL_GATE_RELEASED,
                    "rbac coverage: the same event twice");
            recorder.record(pod, event);
            recorder.record(pod, event);
        }

        Set<Permission> used = new HashSet<>();
        // The app keeps talking (lease renewals, resyncs): take exactly the requests recorded so far.
        int recorded = server.getKubernetesMockServer().getRequestCount();
        for (int i = 0; i < recorded; i++) {
            RecordedRequest request = server.getKubernetesMockServer().takeRequest(5, TimeUnit.SECONDS);
            if (request == null) {
                break;
            }
            String agent = request.getHeader("User-Agent");
            if (agent == null || !agent.contains(HARNESS)) {
                used.add(permission(request));
            }
        }
        Set<Permission> granted = new HashSet<>(ExpectedRbac.CLUSTER_ROLE);
        granted.addAll(ExpectedRbac.LEADER_ELECTION_ROLE);
        assertThat(used).as("permissions the app used beyond deploy/'s RBAC").isSubsetOf(granted);
        assertThat(granted)
                .as("permissions deploy/ grants that the app never used")
                .isSubsetOf(used);
        harness.close();
    }

    private KubernetesClient client(String userAgent) {
        return new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(server.getClient().getConfiguration())
                        .withUserAgent(userAgent)
                        .build())
                .build();
    }

    /** (group, resource[/subresource], verb) of a REST request, as the API server's authorizer sees it. */
    static Permission permission(RecordedRequest request) {
        URI uri = URI.create(request.getPath());
        String[] parts = uri.getPath().replaceFirst("^/", "").split("/");
        int i;
        String group;
        if (parts[0].equals("api")) {
            group = "";
            i = 2;
        } else {
            group = parts[1];
            i = 3;
        }
        if (i < parts.length && parts[i].equals("namespaces") && i + 2 < parts.length) {
            i += 2;
        }
        String resource = parts[i];
        String name = i + 1 < parts.length ? parts[i + 1] : null;
        if (i + 2 < parts.length) {
            resource = resource + "/" + parts[i + 2];
        }
        boolean watch = uri.getQuery() != null && uri.getQuery().contains("watch=true");
        String verb = switch (request.getMethod()) {
            case "GET" -> watch ? "watch" : name == null ? "list" : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name == null ? "deletecollection" : "delete";
            default -> request.getMethod().toLowerCase();
        };
        return new Permission(group, resource, verb);
    }
}
