package dev.ordinal.realcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.support.OrderedStartOracle;
import dev.ordinal.support.PackagedApp;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The ten scenarios of the real-control-plane issue, and two more for the real-cluster hazards (11, 12; 5 and 6 serve
 * both), against real etcd, kube-apiserver, kube-controller-manager and kube-scheduler, with Ordinal installed from
 * {@code deploy/} and driven by the real kubectl. Only the kubelet is a stand-in. Each scenario has its own
 * namespace; they share one cluster and run in order, since 9 and 10 stop and restart Ordinal's replicas.
 * {@code make e2e-cluster} runs this class alone.
 */
@ExtendWith(ClusterDiagnostics.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealControlPlaneIT {

    static final Duration ROLLOUT = Duration.ofSeconds(90);
    static final String ORDINAL_SA = "system:serviceaccount:ordinal-system:ordinal";

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

    /**
     * The pods of {@code names} (one set, in order) all started: each bound to a node, each but the last seen Ready;
     * and at every change the watch saw, the set's pods kept ordered start as {@link OrderedStartOracle} judges it (no
     * pod released from, or created without, the ordered gate, nor Ready, before its predecessors were Ready; one
     * pod starting at a time).
     */
    static void assertStartedInOrder(PodWatch watch, List<String> names) {
        for (int i = 1; i < names.size(); i++) {
            PodWatch.Seen previous = last(watch, names.get(i - 1));
            PodWatch.Seen pod = last(watch, names.get(i));
            assertThat(previous.ready).as("%s Ready", previous.name).isNotNull();
            assertThat(pod.bound).as("%s bound to a node", pod.name).isNotNull();
        }
        String first = names.get(0);
        String set = first.substring(0, first.lastIndexOf('-'));
        OrderedStartOracle oracle = OrderedStartOracle.forSet(set);
        Map<String, Pod> now = new LinkedHashMap<>();
        List<String> violations = new ArrayList<>();
        for (PodWatch.Change change : watch.changes()) {
            String uid = change.pod().getMetadata().getUid();
            if (change.deleted()) {
                now.remove(uid);
            } else {
                now.put(uid, change.pod());
            }
            violations.addAll(oracle.observePods(now.values()));
        }
        assertThat(violations)
                .as("ordered start of set %s, judged at every change seen", set)
                .isEmpty();
    }

    static PodWatch.Seen last(PodWatch watch, String name) {
        List<PodWatch.Seen> seen = watch.named(name);
        assertThat(seen).as("pods seen named %s", name).isNotEmpty();
        return seen.get(seen.size() - 1);
    }

    @Test
    @Order(1)
    void deploymentBecomesAnOrderedSetWithClaimsAndAHeadlessService() throws Exception {
        String ns = cluster.namespace("s1");
        try (PodWatch watch = new PodWatch(admin, ns, System.out)) {
            kubectl.apply(ns, ClusterQueries.deployment("web", 3, "", "1Gi"));
            Map<String, Pod> pods = queries.awaitRunning(ns, ClusterQueries.first("web", 3), ROLLOUT);
            assertStartedInOrder(watch, List.of("web-0", "web-1", "web-2"));
            for (int n = 0; n < 3; n++) {
                Pod pod = pods.get("web-" + n);
                assertThat(pod.getSpec().getHostname()).isEqualTo("web-" + n);
                assertThat(pod.getSpec().getSubdomain()).isEqualTo("web");
                assertThat(pod.getMetadata().getLabels()).containsEntry(OrdinalKeys.POD_INDEX_LABEL, "" + n);
                PersistentVolumeClaim claim = admin.persistentVolumeClaims()
                        .inNamespace(ns)
                        .withName("data-web-" + n)
                        .get();
                assertThat(claim).as("data-web-%d", n).isNotNull();
                assertThat(claim.getStatus().getPhase()).isEqualTo("Bound");
                assertThat(pod.getSpec().getVolumes())
                        .anyMatch(v -> v.getPersistentVolumeClaim() != null
                                && claim.getMetadata()
                                        .getName()
                                        .equals(v.getPersistentVolumeClaim().getClaimName()));
            }
            Service service = admin.services().inNamespace(ns).withName("web").get();
            assertThat(service).isNotNull();
            assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
        }
    }

    @Test
    @Order(2)
    void deletedPodComesBackWithTheSameNameAndClaim() throws Exception {
        String ns = "s1";
        String oldPod = admin.pods()
                .inNamespace(ns)
                .withName("web-1")
                .get()
                .getMetadata()
                .getUid();
        String claim = admin.persistentVolumeClaims()
                .inNamespace(ns)
                .withName("data-web-1")
                .get()
                .getMetadata()
                .getUid();
        kubectl.run("-n", ns, "delete", "pod", "web-1").orFail();
        await().atMost(ROLLOUT).untilAsserted(() -> {
            Pod pod = admin.pods().inNamespace(ns).withName("web-1").get();
            assertThat(pod).isNotNull();
            assertThat(pod.getMetadata().getUid()).isNotEqualTo(oldPod);
            assertThat(PodWatch.ready(pod)).isTrue();
        });
        queries.awaitRunning(ns, ClusterQueries.first("web", 3), ROLLOUT);
        assertThat(admin.persistentVolumeClaims()
                        .inNamespace(ns)
                        .withName("data-web-1")
                        .get()
                        .getMetadata()
                        .getUid())
                .as("the same claim, not a new one")
                .isEqualTo(claim);
    }

    /**
     * A ReplicaSet deletes the pods with the lowest pod-deletion-cost first. One step of 3 to 1 deletes two pods
     * concurrently, so the order is shown one replica at a time: web-2 goes, then web-1; web-0 stays throughout.
     */
    @Test
    @Order(3)
    void scaleDownRemovesTheHighestOrdinalFirst() throws Exception {
        String ns = "s1";
        String web0 = admin.pods()
                .inNamespace(ns)
                .withName("web-0")
                .get()
                .getMetadata()
                .getUid();
        String web1 = admin.pods()
                .inNamespace(ns)
                .withName("web-1")
                .get()
                .getMetadata()
                .getUid();
        kubectl.run("-n", ns, "scale", "deployment/web", "--replicas=2").orFail();
        queries.awaitRunning(ns, ClusterQueries.first("web", 2), ROLLOUT);
        assertThat(admin.pods()
                        .inNamespace(ns)
                        .withName("web-1")
                        .get()
                        .getMetadata()
                        .getUid())
                .isEqualTo(web1);
        kubectl.run("-n", ns, "scale", "deployment/web", "--replicas=1").orFail();
        queries.awaitRunning(ns, ClusterQueries.first("web", 1), ROLLOUT);
        assertThat(admin.pods()
                        .inNamespace(ns)
                        .withName("web-0")
                        .get()
                        .getMetadata()
                        .getUid())
                .isEqualTo(web0);
    }

    @Test
    @Order(4)
    void jobAndBarePodsInGateAndDenyOrdering() throws Exception {
        String ns = cluster.namespace("s4");
        try (PodWatch watch = new PodWatch(admin, ns, System.out)) {
            kubectl.run("-n", ns, "apply", "-f", "deploy/examples/job.yaml").orFail();
            kubectl.run("-n", ns, "apply", "-f", "deploy/examples/bare-pods.yaml")
                    .orFail();
            Set<String> expected = new TreeSet<>(ClusterQueries.first("batch", 3));
            expected.addAll(ClusterQueries.first("cache", 2));
            queries.awaitRunning(ns, expected, ROLLOUT);
            assertStartedInOrder(watch, List.of("cache-0", "cache-1"));
            assertThat(admin.persistentVolumeClaims()
                            .inNamespace(ns)
                            .withName("scratch-batch-2")
                            .get())
                    .isNotNull();
            assertThat(admin.persistentVolumeClaims()
                            .inNamespace(ns)
                            .withName("spill-batch-0")
                            .get())
                    .as("spill is listed in ordinal.dev/ephemeral-volumes: no per-ordinal claim")
                    .isNull();

            // deny ordering: solo-1 is refused (kubectl shows why) until solo-0 is Running and Ready.
            String solo = """
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: solo-%d
                      labels: {ordinal.dev/set: solo}
                      annotations: {ordinal.dev/ordering: deny, ordinal.dev/create-service: "false"}
                    spec:
                      containers: [{name: app, image: busybox:1.36}]
                    """;
            kubectl.apply(ns, solo.formatted(0));
            Kubectl.Result refused = kubectl.runWithInput(solo.formatted(1), "-n", ns, "apply", "-f", "-");
            if (!refused.ok()) {
                assertThat(refused.stderr()).contains("solo-1 waits for solo-0");
            } // else solo-0 was already Ready: the stand-in is quick; the order still holds below
            queries.awaitReady(ns, Set.of("solo-0"), ROLLOUT);
            await().atMost(ROLLOUT)
                    .until(() -> kubectl.runWithInput(solo.formatted(1), "-n", ns, "apply", "-f", "-")
                            .ok());
            queries.awaitReady(ns, Set.of("solo-0", "solo-1"), ROLLOUT);
            assertThat(last(watch, "solo-1").created).isAfterOrEqualTo(last(watch, "solo-0").ready);
        }
    }

    /**
     * ResourceQuota runs after every webhook: the third pod is admitted as web-2 and then refused by the quota, and
     * the ReplicaSet's retries get higher ordinals while web-2 is still reserved. Once the quota allows it, a pod
     * above the gap waits for web-2, which nobody creates; the controller recycles it and the set heals.
     */
    @Test
    @Order(5)
    void quotaRejectionAfterAdmissionLeavesNoPermanentGap() throws Exception {
        String ns = cluster.namespace("s5");
        kubectl.apply(ns, """
                apiVersion: v1
                kind: ResourceQuota
                metadata: {name: pods}
                spec: {hard: {pods: "2"}}
                """);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            var q = admin.resourceQuotas().inNamespace(ns).withName("pods").get();
            return q.getStatus() != null && q.getStatus().getHard() != null;
        });
        try (PodWatch watch = new PodWatch(admin, ns, System.out)) {
            kubectl.apply(ns, ClusterQueries.deployment("web", 3, "", null));
            await().atMost(ROLLOUT)
                    .until(() -> !queries.events(ns, "FailedCreate").isEmpty());
            kubectl.run(
                            "-n",
                            ns,
                            "patch",
                            "resourcequota",
                            "pods",
                            "--type=merge",
                            "-p",
                            "{\"spec\":{\"hard\":{\"pods\":\"10\"}}}")
                    .orFail();
            queries.awaitRunning(ns, ClusterQueries.first("web", 3), Duration.ofSeconds(120));
            assertStartedInOrder(watch, List.of("web-0", "web-1", "web-2"));
            boolean gapSeen = watch.seen().stream()
                    .anyMatch(s -> !ClusterQueries.first("web", 3).contains(s.name));
            if (gapSeen) {
                assertThat(queries.events(ns, "OrdinalGapRecycled"))
                        .as("a pod above the gap was recycled")
                        .isNotEmpty();
            }
            System.out.println("quota scenario: pods seen "
                    + watch.seen().stream().map(s -> s.name).toList());
        }
    }

    @Test
    @Order(6)
    void claimTemplateTheApiServerWouldRefuseIsRefusedAtAdmission() throws Exception {
        String ns = cluster.namespace("s6");
        String pod = """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: bad-0
                  labels: {ordinal.dev/set: bad}
                spec:
                  containers: [{name: app, image: busybox:1.36}]
                  volumes:
                    - name: data
                      ephemeral:
                        volumeClaimTemplate:
                          spec: %s
                """;
        Kubectl.Result noModes = kubectl.runWithInput(
                pod.formatted("{resources: {requests: {storage: 1Gi}}}"), "-n", ns, "apply", "-f", "-");
        assertThat(noModes.ok()).isFalse();
        assertThat(noModes.stderr())
                .contains("denied the request")
                .contains("\"data\"")
                .contains("accessModes");
        Kubectl.Result noStorage =
                kubectl.runWithInput(pod.formatted("{accessModes: [ReadWriteOnce]}"), "-n", ns, "apply", "-f", "-");
        assertThat(noStorage.ok()).isFalse();
        assertThat(noStorage.stderr()).contains("\"data\"").contains("resources.requests.storage");
        assertThat(queries.livePods(ns)).isEmpty();
        assertThat(admin.persistentVolumeClaims().inNamespace(ns).list().getItems())
                .isEmpty();
    }

    @Test
    @Order(7)
    void serverDryRunCreatesAndReservesNothingAndKubectlPrintsTheWarnings() throws Exception {
        String ns = cluster.namespace("s7");
        String pod = """
                apiVersion: v1
                kind: Pod
                metadata:
                  generateName: web-
                  labels: {ordinal.dev/set: web}
                spec:
                  containers: [{name: app, image: busybox:1.36}]
                """;
        Kubectl.Result dry = kubectl.runWithInput(pod, "-n", ns, "create", "--dry-run=server", "-f", "-");
        assertThat(dry.stdout()).contains("pod/web-0 created (server dry run)");
        assertThat(dry.stderr()).contains("Warning:").contains("headless Service web does not exist yet");
        assertThat(queries.livePods(ns)).isEmpty();
        Kubectl.Result real = kubectl.runWithInput(pod, "-n", ns, "create", "-f", "-");
        assertThat(real.stdout()).as("the dry run reserved nothing").contains("pod/web-0 created");
    }

    @Test
    @Order(8)
    void onlyOrdinalsServiceAccountLiftsGatesAndItsLiftsSkipTheValidatingWebhook() throws Exception {
        // The controller's patches in scenario 1 were all accepted.
        List<JsonNode> patches = audit(e -> "patch".equals(e.path("verb").asText())
                && "s1".equals(e.path("objectRef").path("namespace").asText())
                && ORDINAL_SA.equals(e.path("user").path("username").asText()));
        assertThat(patches)
                .as("gate patches by %s", ORDINAL_SA)
                .isNotEmpty()
                .allMatch(e -> e.path("responseStatus").path("code").asInt() == 200);

        double reviewedBefore = validateUpdatesAllowed();
        String ns = cluster.namespace("s8");
        kubectl.apply(ns, heldPod("held-1"));
        Pod held = admin.pods().inNamespace(ns).withName("held-1").get();
        assertThat(held.getSpec().getSchedulingGates())
                .extracting(g -> g.getName())
                .contains(OrdinalKeys.ORDERED_GATE);
        Kubectl.Result lift = kubectl.run(
                "-n",
                ns,
                "patch",
                "pod",
                "held-1",
                "--type=json",
                "-p",
                "[{\"op\":\"remove\",\"path\":\"/spec/schedulingGates\"}]");
        assertThat(lift.ok()).isFalse();
        assertThat(lift.stderr())
                .contains("validate.pods.ordinal.dev")
                .contains("denied the request")
                .contains(OrdinalKeys.ORDERED_GATE)
                .contains("e2e-admin");
        assertThat(admin.pods()
                        .inNamespace(ns)
                        .withName("held-1")
                        .get()
                        .getSpec()
                        .getSchedulingGates())
                .isNotEmpty();

        // Its predecessor arrives and turns Ready: the controller lifts held-1's gate, without a review
        // (deploy/base's matchConditions skip the controller's own UPDATEs).
        kubectl.apply(ns, heldPod("held-0"));
        await().atMost(ROLLOUT).until(() -> {
            Pod p = admin.pods().inNamespace(ns).withName("held-1").get();
            return p.getSpec().getSchedulingGates() == null
                    || p.getSpec().getSchedulingGates().isEmpty();
        });
        List<JsonNode> lifts = audit(e -> "patch".equals(e.path("verb").asText())
                && ns.equals(e.path("objectRef").path("namespace").asText())
                && ORDINAL_SA.equals(e.path("user").path("username").asText())
                && e.path("responseStatus").path("code").asInt() == 200);
        long othersAllowed = audit(e -> List.of("patch", "update")
                                .contains(e.path("verb").asText())
                        && ns.equals(e.path("objectRef").path("namespace").asText())
                        && !e.path("objectRef").has("subresource")
                        && !ORDINAL_SA.equals(e.path("user").path("username").asText())
                        && e.path("responseStatus").path("code").asInt() == 200)
                .size();
        assertThat(lifts).as("the controller's gate lifts in %s", ns).isNotEmpty();
        assertThat(validateUpdatesAllowed() - reviewedBefore)
                .as("UPDATE reviews allowed while the controller lifted %d gate(s) in %s", lifts.size(), ns)
                .isLessThanOrEqualTo((double) othersAllowed);
    }

    /** A bare pod of set {@code held} named {@code name}, without a headless Service. */
    private static String heldPod(String name) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  labels: {ordinal.dev/set: held}
                  annotations: {ordinal.dev/create-service: "false"}
                spec:
                  containers: [{name: app, image: busybox:1.36}]
                """.formatted(name);
    }

    @Test
    @Order(9)
    void leaderCrashMidRolloutTheOtherReplicaFinishesIt() throws Exception {
        String ns = cluster.namespace("s9");
        String leader = cluster.leader().orElseThrow();
        try (PodWatch watch = new PodWatch(admin, ns, System.out)) {
            cluster.kubelet.startDelay(Duration.ofSeconds(2));
            kubectl.apply(ns, ClusterQueries.deployment("db", 4, "", null));
            await().atMost(ROLLOUT).until(() -> watch.named("db-1").stream().anyMatch(s -> s.ready != null));
            cluster.killReplica(leader);
            cluster.kubelet.startDelay(RealCluster.KUBELET_START_DELAY);
            queries.awaitRunning(ns, ClusterQueries.first("db", 4), ROLLOUT);
            assertStartedInOrder(watch, List.of("db-0", "db-1", "db-2", "db-3"));
            assertThat(cluster.leader()).isPresent().get().isNotEqualTo(leader);
        } finally {
            cluster.kubelet.startDelay(RealCluster.KUBELET_START_DELAY);
            if (!cluster.replicas().containsKey(leader)) {
                cluster.startReplica(leader);
            }
        }
    }

    @Test
    @Order(10)
    void webhookDownFailsClosedForMembersOnlyAndTheSetConvergesOnceBack() throws Exception {
        String ns = cluster.namespace("s10");
        List<String> identities = List.copyOf(cluster.replicas().keySet());
        for (String id : identities) {
            cluster.stopReplica(id);
        }
        try {
            Kubectl.Result member =
                    kubectl.run("-n", ns, "run", "lone", "--image=busybox:1.36", "--labels=ordinal.dev/set=lone");
            assertThat(member.ok()).isFalse();
            assertThat(member.stderr()).contains("failed calling webhook").contains("mutate.pods.ordinal.dev");
            kubectl.run("-n", ns, "run", "plain", "--image=busybox:1.36").orFail();
            kubectl.apply(ns, ClusterQueries.deployment("late", 2, "", null));
            await().atMost(ROLLOUT)
                    .until(() -> !queries.events(ns, "FailedCreate").isEmpty());
            assertThat(queries.livePods(ns).keySet()).containsExactly("plain");
        } finally {
            for (String id : identities) {
                cluster.startReplica(id);
            }
        }
        Set<String> expected = new TreeSet<>(ClusterQueries.first("late", 2));
        expected.add("plain");
        // The ReplicaSet retries with its own backoff, which grew during the outage.
        queries.awaitRunning(ns, expected, Duration.ofSeconds(180));
    }

    /**
     * Real-cluster hazard 3: a member that sets {@code spec.nodeName} while Ordinal must gate it. Without Ordinal's
     * check the API server would refuse it with a 422 that never mentions Ordinal; with it, kubectl shows why and
     * what to do. A pinned member that needs no gate is created as asked.
     */
    @Test
    @Order(11)
    void pinnedMemberThatMustWaitIsRefusedWithTheReasonAndTheFix() throws Exception {
        String ns = cluster.namespace("s11");
        String pinned = """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: pinned-%d
                  labels: {ordinal.dev/set: pinned}
                  annotations: {ordinal.dev/create-service: "false"}
                spec:
                  nodeName: node-a
                  containers: [{name: app, image: busybox:1.36}]
                """;
        Kubectl.Result refused = kubectl.runWithInput(pinned.formatted(1), "-n", ns, "apply", "-f", "-");
        assertThat(refused.ok()).isFalse();
        assertThat(refused.stderr())
                .contains("mutate.pods.ordinal.dev")
                .contains("spec.nodeName")
                .contains(OrdinalKeys.ORDERED_GATE)
                .contains("ordinal.dev/ordering: deny");
        kubectl.apply(ns, pinned.formatted(0));
        queries.awaitReady(ns, Set.of("pinned-0"), ROLLOUT);
        assertThat(queries.livePods(ns).get("pinned-0").getSpec().getNodeName()).isEqualTo("node-a");
    }

    /**
     * Real-cluster hazard 5: another admission step (here a ValidatingAdmissionPolicy, built into the API server)
     * refuses the controller's gate removal with a 422. The controller backs off instead of retrying every 100 ms,
     * says why in a Warning event on the pod, and finishes once the policy is gone.
     */
    @Test
    @Order(12)
    void gateRemovalRefusedByAnotherAdmissionStepBacksOffAndSaysWhy() throws Exception {
        String ns = cluster.namespace("s12");
        kubectl.runWithInput("""
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingAdmissionPolicy
                metadata: {name: frozen-gates}
                spec:
                  failurePolicy: Fail
                  matchConstraints:
                    resourceRules:
                      - {apiGroups: [""], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["pods"]}
                  validations:
                    - expression: >-
                        !has(oldObject.spec.schedulingGates) || (has(object.spec.schedulingGates)
                        && size(object.spec.schedulingGates) == size(oldObject.spec.schedulingGates))
                      message: scheduling gates are frozen in this namespace
                      reason: Invalid
                ---
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingAdmissionPolicyBinding
                metadata: {name: frozen-gates}
                spec:
                  policyName: frozen-gates
                  validationActions: [Deny]
                  matchResources:
                    namespaceSelector:
                      matchLabels: {kubernetes.io/metadata.name: s12}
                """, "apply", "-f", "-").orFail();
        Thread.sleep(2_000); // the API server loads policies asynchronously
        kubectl.apply(ns, ClusterQueries.deployment("frozen", 2, "", null));
        queries.awaitReady(ns, Set.of("frozen-0"), ROLLOUT);
        Duration observed = Duration.ofSeconds(20);
        Thread.sleep(observed.toMillis());
        List<JsonNode> attempts = audit(e -> "patch".equals(e.path("verb").asText())
                && ns.equals(e.path("objectRef").path("namespace").asText())
                && "frozen-1".equals(e.path("objectRef").path("name").asText())
                && ORDINAL_SA.equals(e.path("user").path("username").asText()));
        System.out.println(
                "gate removal attempts on frozen-1 in ~" + observed.toSeconds() + " s: " + attempts.size() + ", codes "
                        + attempts.stream()
                                .map(a -> a.path("responseStatus").path("code").asInt())
                                .toList());
        assertThat(attempts)
                .as("refused gate removals")
                .isNotEmpty()
                .allMatch(a -> a.path("responseStatus").path("code").asInt() == 422);
        assertThat(attempts.size())
                .as("attempts in %s with backoff (every 100 ms would be ~200)", observed)
                .isLessThanOrEqualTo(10);
        assertThat(queries.events(ns, "WriteFailed"))
                .as("Warning naming the cause")
                .anyMatch(e -> "frozen-1".equals(e.getInvolvedObject().getName())
                        && e.getMessage().contains("422")
                        && e.getMessage().contains("scheduling gates are frozen"));
        kubectl.run("delete", "validatingadmissionpolicybinding", "frozen-gates")
                .orFail();
        kubectl.run("delete", "validatingadmissionpolicy", "frozen-gates").orFail();
        queries.awaitRunning(ns, ClusterQueries.first("frozen", 2), Duration.ofSeconds(120));
    }

    /**
     * Real-cluster hazard: a renewed serving certificate. Both replicas serve it from their next handshakes without a
     * restart, and the API server, made to dial again, verifies it against the caBundle it already has and keeps
     * admitting members.
     */
    @Test
    @Order(13)
    void renewedServingCertificateIsServedAndTrustedWithoutARestart() throws Exception {
        String ns = cluster.namespace("s13");
        kubectl.apply(ns, ClusterQueries.deployment("before", 2, "", null));
        queries.awaitRunning(ns, ClusterQueries.first("before", 2), ROLLOUT);
        BigInteger previous = servedCertificate().getSerialNumber();
        Set<PackagedApp> replicas = Set.copyOf(cluster.replicas().values());

        cluster.renewServingCertificate();

        BigInteger renewed = certificate(RealCluster.CERTS.resolve("tls.crt")).getSerialNumber();
        assertThat(renewed).as("gen-certs.sh --renew issued a new certificate").isNotEqualTo(previous);
        // Round robin: six fresh handshakes in a row reach both replicas.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    for (int i = 0; i < 6; i++) {
                        assertThat(servedCertificate().getSerialNumber())
                                .as("certificate served in handshake %d", i)
                                .isEqualTo(renewed);
                    }
                });
        assertThat(Set.copyOf(cluster.replicas().values()))
                .as("the same replicas, not restarted")
                .isEqualTo(replicas)
                .allMatch(PackagedApp::isAlive);

        long dialed = cluster.balancer.connections();
        cluster.balancer.dropConnections();
        kubectl.apply(ns, ClusterQueries.deployment("after", 2, "", "1Gi"));
        queries.awaitReady(ns, ClusterQueries.first("after", 2), ROLLOUT);
        assertThat(cluster.balancer.connections())
                .as("the API server dialed the webhook again, so it verified the renewed certificate")
                .isGreaterThan(dialed);
    }

    @Test
    @Order(14)
    void aReplicaListingInSmallPagesCachesEveryObjectOfTheCluster() throws Exception {
        // The earlier tests left dozens of member pods, claims and Services behind: many pages of 3.
        String replica = cluster.replicas().keySet().stream()
                .filter(identity -> !identity.equals(cluster.leader().orElse(null)))
                .findFirst()
                .orElseThrow();
        long restartedAt = System.currentTimeMillis();
        cluster.killReplica(replica);
        PackagedApp paged = cluster.startReplica(replica, Map.of("ORDINAL_CACHE_LIST_PAGE_SIZE", "3"));

        assertThat(storedObjects())
                .as("objects in the cluster")
                .allSatisfy((kind, n) -> assertThat(n).as(kind).isGreaterThan(3));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(cachedObjects(paged)).isEqualTo(storedObjects()));
        for (String resource : List.of("pods", "persistentvolumeclaims", "services")) {
            List<String> lists = cluster.controlPlane.clusterWideListsSince(ORDINAL_SA, resource, restartedAt);
            assertThat(lists)
                    .as("%s lists of the restarted replica", resource)
                    .anyMatch(uri -> uri.contains("limit=3") && !uri.contains("continue="))
                    .anyMatch(uri -> uri.contains("limit=3") && uri.contains("continue="));
        }
    }

    /** What Ordinal's caches should hold, by kind: member pods, and every PVC and Service. */
    private static Map<String, Integer> storedObjects() {
        return Map.of(
                "pods",
                admin.pods()
                        .inAnyNamespace()
                        .withLabel(OrdinalKeys.SET_LABEL)
                        .list()
                        .getItems()
                        .size(),
                "persistentvolumeclaims",
                admin.persistentVolumeClaims()
                        .inAnyNamespace()
                        .list()
                        .getItems()
                        .size(),
                "services",
                admin.services().inAnyNamespace().list().getItems().size());
    }

    /** {@code ordinal_cache_objects} of {@code app}, by kind. */
    private static Map<String, Integer> cachedObjects(PackagedApp app) throws Exception {
        HttpResponse<String> metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.managementPort() + "/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        Map<String, Integer> cached = new java.util.TreeMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "(?m)^ordinal_cache_objects\\{kind=\"([a-z]+)\"} ([0-9.]+)$")
                .matcher(metrics.body());
        while (m.find()) {
            cached.put(m.group(1), (int) Double.parseDouble(m.group(2)));
        }
        return cached;
    }

    /** The leaf certificate a fresh handshake through the balancer gets, verified as the API server does. */
    private static X509Certificate servedCertificate() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", certificate(RealCluster.CERTS.resolve("ca.crt")));
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trustManagers.getTrustManagers(), null);
        try (SSLSocket socket =
                (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", RealCluster.WEBHOOK_PORT)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the IP SAN 127.0.0.1, as the webhook URL has it
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    private static X509Certificate certificate(java.nio.file.Path pem) throws Exception {
        try (var in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** The audit log's writes to pods (and their subresources) that {@code filter} accepts. */
    private static List<JsonNode> audit(java.util.function.Predicate<JsonNode> filter) throws IOException {
        return cluster.controlPlane.auditEvents(
                e -> "pods".equals(e.path("objectRef").path("resource").asText()) && filter.test(e));
    }

    /** Sum over the running replicas of validating-webhook UPDATE reviews they allowed. */
    private static double validateUpdatesAllowed() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        double sum = 0;
        for (PackagedApp app : cluster.replicas().values()) {
            String body = http.send(
                            HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + app.managementPort() + "/q/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            for (String line : body.split("\n")) {
                if (line.startsWith("ordinal_admission_requests_total")
                        && line.contains("webhook=\"validate\"")
                        && line.contains("operation=\"UPDATE\"")
                        && line.contains("decision=\"allowed\"")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        return sum;
    }
}
