package dev.ordinal.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ReplicaSet controller for one ReplicaSet: keeps {@code replicas} active pods (not terminating, not finished)
 * that it owns. It creates with {@code generateName: <name>-} through the admission chain in slow-start batches
 * (1, 2, 4, …), and after a failed create records {@code FailedCreate} and backs off exponentially before trying
 * again. It scales down by deleting the pods that rank first in {@code ActivePodsWithRanks}: unscheduled before
 * scheduled, Pending before Running, not Ready before Ready, then lowest {@code pod-deletion-cost} first, then the
 * most recently created.
 */
public final class ReplicaSetSim extends SimLoop {

    private static final String DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

    private final KubernetesClient store;
    private final AdmissionChain chain;
    private final String namespace;
    private volatile Pod template;
    private final Map<String, String> selector;
    private final Backoff backoff;
    private final AtomicInteger created = new AtomicInteger();
    private final AtomicInteger failedCreates = new AtomicInteger();
    private final List<String> failureMessages = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile int replicas;
    private volatile ReplicaSet owner;

    /**
     * A ReplicaSet {@code name} in {@code namespace} whose pods look like {@code template} (labels, annotations,
     * spec) and are selected by all of the template's labels.
     */
    public ReplicaSetSim(
            KubernetesClient store,
            AdmissionChain chain,
            String namespace,
            String name,
            Pod template,
            int replicas,
            Duration period,
            Duration lifetime) {
        super("replicaset-" + namespace + "-" + name, period, lifetime);
        this.store = store;
        this.chain = chain;
        this.namespace = namespace;
        this.template = template;
        this.selector = Map.copyOf(template.getMetadata().getLabels());
        this.replicas = replicas;
        this.backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1600));
        this.owner = store.apps()
                .replicaSets()
                .inNamespace(namespace)
                .resource(new ReplicaSetBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace(namespace)
                        .withLabels(selector)
                        .endMetadata()
                        .withNewSpec()
                        .withReplicas(replicas)
                        .withNewSelector()
                        .withMatchLabels(selector)
                        .endSelector()
                        .withNewTemplate()
                        .withMetadata(template.getMetadata())
                        .withSpec(template.getSpec())
                        .endTemplate()
                        .endSpec()
                        .build())
                .create();
    }

    /** Sets the desired number of replicas ({@code kubectl scale}). */
    public void scale(int n) {
        replicas = n;
        try {
            store.apps()
                    .replicaSets()
                    .inNamespace(namespace)
                    .withName(owner.getMetadata().getName())
                    .edit(rs -> new ReplicaSetBuilder(rs)
                            .editSpec()
                            .withReplicas(n)
                            .endSpec()
                            .build());
        } catch (KubernetesClientException e) {
            // the loop reads the field, not the object
        }
    }

    /**
     * {@code kubectl patch replicaset <name> --type=json -p <patch>}: applies the JSON Patch to the stored ReplicaSet
     * and creates every later pod from its new {@code spec.template}. Existing pods are left as they are, as a
     * ReplicaSet leaves them. The patched ReplicaSet is not validated (keep the template's labels: the selector
     * stays the one the ReplicaSet was made with).
     */
    public void patch(String jsonPatch) {
        ReplicaSet patched = store.apps()
                .replicaSets()
                .inNamespace(namespace)
                .withName(owner.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON), jsonPatch);
        Pod next = new PodBuilder()
                .withMetadata(patched.getSpec().getTemplate().getMetadata())
                .withSpec(patched.getSpec().getTemplate().getSpec())
                .build();
        template = next;
    }

    public int replicas() {
        return replicas;
    }

    /** Pods this ReplicaSet has created. */
    public int created() {
        return created.get();
    }

    /** Creates that failed (each one a FailedCreate event and a backoff). */
    public int failedCreates() {
        return failedCreates.get();
    }

    /** The messages of failed creates, oldest first. */
    public List<String> failureMessages() {
        return List.copyOf(failureMessages);
    }

    @Override
    protected void tick() {
        Instant now = Instant.now();
        if (backoff.waiting(now)) {
            return;
        }
        List<Pod> active = new ArrayList<>();
        for (Pod pod :
                store.pods().inNamespace(namespace).withLabels(selector).list().getItems()) {
            boolean owned = pod.getMetadata().getOwnerReferences().stream()
                    .anyMatch(r -> r.getUid().equals(owner.getMetadata().getUid()));
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            if (owned
                    && pod.getMetadata().getDeletionTimestamp() == null
                    && !"Succeeded".equals(phase)
                    && !"Failed".equals(phase)) {
                active.add(pod);
            }
        }
        int diff = active.size() - replicas;
        if (diff < 0) {
            createSlowStart(-diff);
        } else if (diff > 0) {
            active.sort(RANKS);
            for (Pod pod : active.subList(0, diff)) {
                try {
                    chain.delete(
                            namespace, pod.getMetadata().getName(), null, null, Requester.REPLICASET_CONTROLLER, false);
                    SimEvents.record(
                            store,
                            owner,
                            "Normal",
                            "SuccessfulDelete",
                            "Deleted pod: " + pod.getMetadata().getName(),
                            "replicaset-controller");
                } catch (ApiException e) {
                    SimEvents.record(
                            store,
                            owner,
                            "Warning",
                            "FailedDelete",
                            "Error deleting: " + e.getMessage(),
                            "replicaset-controller");
                }
            }
        }
    }

    private void createSlowStart(int missing) {
        int batch = 1;
        int remaining = Math.min(missing, 500);
        while (remaining > 0) {
            int n = Math.min(batch, remaining);
            for (int i = 0; i < n; i++) {
                try {
                    Pod pod = chain.create(namespace, newPod(), Requester.REPLICASET_CONTROLLER, false)
                            .pod();
                    created.incrementAndGet();
                    SimEvents.record(
                            store,
                            owner,
                            "Normal",
                            "SuccessfulCreate",
                            "Created pod: " + pod.getMetadata().getName(),
                            "replicaset-controller");
                } catch (ApiException e) {
                    failedCreates.incrementAndGet();
                    failureMessages.add(e.getMessage());
                    SimEvents.record(
                            store,
                            owner,
                            "Warning",
                            "FailedCreate",
                            "Error creating: " + e.getMessage(),
                            "replicaset-controller");
                    backoff.failed(Instant.now());
                    return;
                }
            }
            remaining -= n;
            batch *= 2;
        }
        backoff.succeeded();
    }

    private Pod newPod() {
        HasMetadata rs = owner;
        return new PodBuilder(template)
                .editMetadata()
                .withName(null)
                .withGenerateName(rs.getMetadata().getName() + "-")
                .withNamespace(namespace)
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion("apps/v1")
                        .withKind("ReplicaSet")
                        .withName(rs.getMetadata().getName())
                        .withUid(rs.getMetadata().getUid())
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build())
                .endMetadata()
                .build();
    }

    /** controller.ActivePodsWithRanks order, without the node co-location and restart-count ranks. */
    static final Comparator<Pod> RANKS = Comparator.comparing(
                    (Pod p) -> p.getSpec().getNodeName() != null
                            && !p.getSpec().getNodeName().isEmpty())
            .thenComparing(p -> phaseRank(p))
            .thenComparing(KubeletSim::isReady)
            .thenComparing(ReplicaSetSim::deletionCost)
            .thenComparing(
                    (Pod p) -> String.valueOf(p.getMetadata().getCreationTimestamp()), Comparator.reverseOrder());

    private static int phaseRank(Pod p) {
        String phase =
                p.getStatus() == null ? "Pending" : String.valueOf(p.getStatus().getPhase());
        return switch (phase) {
            case "Pending" -> 0;
            case "Running" -> 2;
            default -> 1;
        };
    }

    private static int deletionCost(Pod p) {
        String cost = p.getMetadata().getAnnotations() == null
                ? null
                : p.getMetadata().getAnnotations().get(DELETION_COST);
        try {
            return cost == null ? 0 : Integer.parseInt(cost);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
