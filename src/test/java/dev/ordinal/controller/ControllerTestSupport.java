package dev.ordinal.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.identity.ClaimTemplates;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.support.OrderedStartOracle;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/** Reads and writes the mock API server the way kubelet and users would, and checks the ordering invariants. */
final class ControllerTestSupport {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final KubernetesClient client;

    ControllerTestSupport(KubernetesClient client) {
        this.client = client;
    }

    static String namespace() {
        return "ns-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Stores {@code pod} in {@code ns}, as the API server would after admission. */
    Pod create(String ns, Pod pod) {
        pod.getMetadata().setNamespace(ns);
        return client.pods().inNamespace(ns).resource(pod).create();
    }

    /** Kubelet's part: phase Running, Ready=True since now. */
    void ready(String ns, String name) {
        status(
                ns,
                name,
                new PodStatusBuilder()
                        .withPhase("Running")
                        .addNewCondition()
                        .withType("Ready")
                        .withStatus("True")
                        .withLastTransitionTime(Instant.now().toString())
                        .endCondition()
                        .build());
    }

    /** Kubelet's part: phase Running, Ready=False (a failing readiness probe). */
    void notReady(String ns, String name) {
        status(
                ns,
                name,
                new PodStatusBuilder()
                        .withPhase("Running")
                        .addNewCondition()
                        .withType("Ready")
                        .withStatus("False")
                        .withLastTransitionTime(Instant.now().toString())
                        .endCondition()
                        .build());
    }

    private void status(String ns, String name, PodStatus status) {
        // updateStatus is a PUT with the resourceVersion read here; a controller patch in between is a 409: retry.
        await().atMost(TIMEOUT).until(() -> {
            Pod pod = client.pods().inNamespace(ns).withName(name).get();
            pod.setStatus(status);
            try {
                client.pods().inNamespace(ns).resource(pod).updateStatus();
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {
                    return false;
                }
                throw e;
            }
        });
    }

    Pod pod(String ns, String name) {
        return client.pods().inNamespace(ns).withName(name).get();
    }

    List<String> gates(String ns, String name) {
        Pod pod = pod(ns, name);
        assertThat(pod).as("pod %s/%s", ns, name).isNotNull();
        return pod.getSpec().getSchedulingGates() == null
                ? List.of()
                : pod.getSpec().getSchedulingGates().stream()
                        .map(PodSchedulingGate::getName)
                        .toList();
    }

    boolean hasGate(String ns, String name, String gate) {
        return gates(ns, name).contains(gate);
    }

    /**
     * The Events of {@code ns} once the controller's background Event writer has caught up: two reads
     * {@link #EVENT_SETTLE} apart that agree (names and counts), so a test that saw a gate lifted also sees its Event.
     */
    List<Event> events(String ns) {
        List<Event> events = client.v1().events().inNamespace(ns).list().getItems();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(EVENT_SETTLE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            List<Event> again = client.v1().events().inNamespace(ns).list().getItems();
            if (fingerprint(again).equals(fingerprint(events))) {
                return again;
            }
            events = again;
        }
        return events;
    }

    /** How long the Event list must stay the same to count as settled. */
    static final Duration EVENT_SETTLE = Duration.ofMillis(200);

    private static List<String> fingerprint(List<Event> events) {
        return events.stream()
                .map(e -> e.getMetadata().getName() + "/" + e.getCount())
                .sorted()
                .toList();
    }

    /** Events with {@code reason} about object {@code name} in {@code ns}. */
    List<Event> events(String ns, String name, String reason) {
        return events(ns).stream()
                .filter(e -> reason.equals(e.getReason())
                        && name.equals(e.getInvolvedObject().getName()))
                .toList();
    }

    Optional<PersistentVolumeClaim> claim(String ns, String name) {
        return Optional.ofNullable(
                client.persistentVolumeClaims().inNamespace(ns).withName(name).get());
    }

    List<PersistentVolumeClaim> claims(String ns) {
        return client.persistentVolumeClaims().inNamespace(ns).list().getItems();
    }

    Optional<Service> service(String ns, String name) {
        return Optional.ofNullable(
                client.services().inNamespace(ns).withName(name).get());
    }

    /** The pods of OrderedReady set {@code set}, read from the API server, pass {@link OrderedStartOracle}. */
    void assertOrdered(String ns, String set) {
        List<Pod> pods = client.pods()
                .inNamespace(ns)
                .withLabel(OrdinalKeys.SET_LABEL, set)
                .list()
                .getItems();
        assertThat(OrderedStartOracle.forSet(set).observePods(pods))
                .as("ordered start of %s", set)
                .isEmpty();
    }

    /**
     * Deployment {@code app} ({@code replicas}) above ReplicaSet {@code app-rs} in {@code ns}, as a Deployment's pods
     * are owned; returns the ReplicaSet's uid.
     */
    static String deploymentAbove(KubernetesClient client, String ns, int replicas) {
        String appUid = client.apps()
                .deployments()
                .inNamespace(ns)
                .resource(new DeploymentBuilder()
                        .withNewMetadata()
                        .withName("app")
                        .withNamespace(ns)
                        .withUid("uid-app")
                        .endMetadata()
                        .withNewSpec()
                        .withReplicas(replicas)
                        .withNewSelector()
                        .addToMatchLabels("a", "b")
                        .endSelector()
                        .endSpec()
                        .build())
                .create()
                .getMetadata()
                .getUid();
        return client.apps()
                .replicaSets()
                .inNamespace(ns)
                .resource(new ReplicaSetBuilder()
                        .withNewMetadata()
                        .withName("app-rs")
                        .withNamespace(ns)
                        .withUid("uid-app-rs")
                        .addNewOwnerReference()
                        .withApiVersion("apps/v1")
                        .withKind("Deployment")
                        .withName("app")
                        .withUid(appUid)
                        .withController(true)
                        .endOwnerReference()
                        .endMetadata()
                        .withNewSpec()
                        .withReplicas(replicas)
                        .withNewSelector()
                        .addToMatchLabels("a", "b")
                        .endSelector()
                        .endSpec()
                        .build())
                .create()
                .getMetadata()
                .getUid();
    }

    /** Ready pod {@code app-n} of ReplicaSet {@code app-rs}, with a claim retention policy and volume {@code data}. */
    static PodFixtures retained(int n, String retention, String size, String rsUid) {
        return PodFixtures.stored("app", n)
                .ready()
                .annotation(OrdinalKeys.PVC_RETENTION_ANNOTATION, retention)
                .annotation(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION, dataTemplate(size))
                .ownedBy("ReplicaSet", "app-rs", rsUid);
    }

    /** The {@code ordinal.dev/claim-templates} value for one volume {@code data} of {@code size}. */
    static String dataTemplate(String size) {
        Map<String, PersistentVolumeClaimTemplate> templates = new TreeMap<>();
        templates.put("data", PodFixtures.claimTemplate(size));
        return ClaimTemplates.encode(templates);
    }

    /** A reader that sees only namespace {@code ns}, so a test's own controllers leave other tests' sets alone. */
    static ClusterReader scoped(ClusterReader reader, String ns) {
        return dev.ordinal.support.Readers.scoped(reader, ns);
    }
}
