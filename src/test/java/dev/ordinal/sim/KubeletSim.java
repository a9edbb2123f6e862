package dev.ordinal.sim;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The scheduler, the volume binder and the kubelet of one node, for one namespace. A pod with no scheduling gates
 * whose PVCs exist is bound to the node (its claims marked Bound, with their request as capacity; a Bound claim whose
 * request grows gets the new capacity on the next tick), becomes Running after {@code startDelay} and
 * Ready after {@code readyDelay}; a pod told to fail readiness stays (or turns) not Ready. A pod that is not
 * restartPolicy Always completes {@code completeAfter} after it became Ready. A terminating pod is marked not Ready
 * and, after its grace period (capped at {@code maxGrace}), removed with the kubelet's final delete through the
 * chain, with a uid precondition.
 *
 * <p>Status goes to {@code pods/status} and binding to the store directly, as a real scheduler and kubelet write
 * through subresources that Pod webhooks do not see.
 */
public final class KubeletSim extends SimLoop {

    public static final String NODE_NAME = "sim-node-1";

    /** Delays of the simulated node; all short, all bounded. */
    public record Timing(
            Duration period, Duration startDelay, Duration readyDelay, Duration maxGrace, Duration completeAfter) {

        /** Fast enough for tests: 50 ms ticks, Running after 100 ms, Ready 250 ms later, grace at most 300 ms. */
        public static Timing fast() {
            return new Timing(
                    Duration.ofMillis(50),
                    Duration.ofMillis(100),
                    Duration.ofMillis(250),
                    Duration.ofMillis(300),
                    Duration.ofMillis(500));
        }

        /** Slow enough to watch: the demo's pace. */
        public static Timing demo() {
            return new Timing(
                    Duration.ofMillis(100),
                    Duration.ofMillis(600),
                    Duration.ofMillis(1200),
                    Duration.ofMillis(1500),
                    Duration.ofSeconds(2));
        }
    }

    private static final AtomicInteger POD_IPS = new AtomicInteger(10);

    private final KubernetesClient store;
    private final AdmissionChain chain;
    private final String namespace;
    private final Timing timing;
    private final Set<String> failingReadiness = ConcurrentHashMap.newKeySet();
    private final Map<String, Times> times = new HashMap<>();
    private final Set<String> reported = new HashSet<>();

    private static final class Times {
        Instant bound;
        Instant running;
        Instant ready;
        Instant killing;
        boolean finalDeleteSent;
    }

    public KubeletSim(
            KubernetesClient store, AdmissionChain chain, String namespace, Timing timing, Duration lifetime) {
        super("kubelet-" + namespace, timing.period(), lifetime);
        this.store = store;
        this.chain = chain;
        this.namespace = namespace;
        this.timing = timing;
    }

    /** From now on pod {@code name}'s readiness probe fails (it stays or becomes not Ready). */
    public void failReadiness(String name) {
        failingReadiness.add(name);
    }

    /** Pod {@code name}'s readiness probe passes again. */
    public void restoreReadiness(String name) {
        failingReadiness.remove(name);
    }

    @Override
    protected void tick() {
        List<Pod> pods = store.pods().inNamespace(namespace).list().getItems();
        Map<String, PersistentVolumeClaim> claims = new HashMap<>();
        for (PersistentVolumeClaim c :
                store.persistentVolumeClaims().inNamespace(namespace).list().getItems()) {
            claims.put(c.getMetadata().getName(), c);
            try {
                expand(c);
            } catch (KubernetesClientException e) {
                // a conflict with another writer: the next tick sees the new state
            }
        }
        Set<String> seen = new HashSet<>();
        for (Pod pod : pods) {
            seen.add(pod.getMetadata().getUid());
            try {
                step(pod, claims);
            } catch (ApiException | KubernetesClientException e) {
                // a conflict or a pod that just went away: the next tick sees the new state
            }
        }
        times.keySet().retainAll(seen);
    }

    private void step(Pod pod, Map<String, PersistentVolumeClaim> claims) {
        Instant now = Instant.now();
        String name = pod.getMetadata().getName();
        Times t = times.computeIfAbsent(pod.getMetadata().getUid(), k -> new Times());
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            terminate(pod, t, now);
            return;
        }
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            return;
        }
        String node = pod.getSpec().getNodeName();
        if (node == null || node.isEmpty()) {
            schedule(pod, claims, t, now);
            return;
        }
        if (t.bound == null) {
            t.bound = now;
        }
        if (phase == null || "Pending".equals(phase)) {
            if (!now.isBefore(t.bound.plus(timing.startDelay()))) {
                writeStatus(pod, s -> {
                    s.setPhase("Running");
                    s.setStartTime(AdmissionChain.timestamp(now));
                    s.setHostIP("192.168.49.2");
                    s.setPodIP("10.244.0." + POD_IPS.incrementAndGet() % 250);
                    setCondition(s, "Initialized", true, null, null);
                    setCondition(s, "ContainersReady", false, "ContainersNotReady", "containers with unready status");
                    setCondition(s, "Ready", false, "ContainersNotReady", "containers with unready status");
                    s.setContainerStatuses(containerStatuses(pod, "running", false));
                });
                t.running = now;
                SimEvents.record(
                        store,
                        pod,
                        "Normal",
                        "Started",
                        "Started container "
                                + pod.getSpec().getContainers().get(0).getName(),
                        "kubelet");
            }
            return;
        }
        if (!"Running".equals(phase)) {
            return;
        }
        if (t.running == null) {
            t.running = now;
        }
        boolean ready = isReady(pod);
        boolean wantReady = !failingReadiness.contains(name) && !now.isBefore(t.running.plus(timing.readyDelay()));
        if (ready && t.ready == null) {
            t.ready = now;
        }
        if (ready != wantReady) {
            writeStatus(pod, s -> {
                setCondition(s, "ContainersReady", wantReady, wantReady ? null : "ContainersNotReady", null);
                setCondition(s, "Ready", wantReady, wantReady ? null : "ContainersNotReady", null);
                s.setContainerStatuses(containerStatuses(pod, "running", wantReady));
            });
            if (wantReady) {
                t.ready = now;
            } else if (failingReadiness.contains(name)) {
                SimEvents.record(
                        store,
                        pod,
                        "Warning",
                        "Unhealthy",
                        "Readiness probe failed: HTTP probe failed with statuscode: 503",
                        "kubelet");
            }
            return;
        }
        if (ready
                && timing.completeAfter() != null
                && !"Always".equals(pod.getSpec().getRestartPolicy())
                && t.ready != null
                && !now.isBefore(t.ready.plus(timing.completeAfter()))) {
            writeStatus(pod, s -> {
                s.setPhase("Succeeded");
                setCondition(s, "ContainersReady", false, "PodCompleted", null);
                setCondition(s, "Ready", false, "PodCompleted", null);
                s.setContainerStatuses(containerStatuses(pod, "terminated", false));
            });
        }
    }

    private void schedule(Pod pod, Map<String, PersistentVolumeClaim> claims, Times t, Instant now) {
        List<String> gates = pod.getSpec().getSchedulingGates() == null
                ? List.of()
                : pod.getSpec().getSchedulingGates().stream()
                        .map(PodSchedulingGate::getName)
                        .toList();
        if (!gates.isEmpty()) {
            // kube-scheduler keeps gated pods out of its queue and says so in PodScheduled.
            ensureScheduledCondition(
                    pod, false, "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates");
            return;
        }
        List<String> missing = new ArrayList<>();
        for (String claim : claimNames(pod)) {
            if (!claims.containsKey(claim)) {
                missing.add(claim);
            }
        }
        if (!missing.isEmpty()) {
            String message = "0/1 nodes are available: persistentvolumeclaim \"" + missing.get(0) + "\" not found.";
            ensureScheduledCondition(pod, false, "Unschedulable", message);
            if (reported.add(pod.getMetadata().getUid() + message)) {
                SimEvents.record(store, pod, "Warning", "FailedScheduling", message, "default-scheduler");
            }
            return;
        }
        for (String claim : claimNames(pod)) {
            bindClaim(claims.get(claim));
        }
        // The scheduler's pods/binding call: sets spec.nodeName, which no update of the pod itself may do.
        store.pods()
                .inNamespace(namespace)
                .withName(pod.getMetadata().getName())
                .patch(
                        PatchContext.of(PatchType.JSON),
                        "[{\"op\":\"add\",\"path\":\"/spec/nodeName\",\"value\":\"" + NODE_NAME + "\"}]");
        t.bound = now;
        Pod bound = store.pods()
                .inNamespace(namespace)
                .withName(pod.getMetadata().getName())
                .get();
        if (bound != null) {
            writeStatus(bound, s -> setCondition(s, "PodScheduled", true, null, null));
        }
        SimEvents.record(
                store,
                pod,
                "Normal",
                "Scheduled",
                "Successfully assigned " + namespace + "/" + pod.getMetadata().getName() + " to " + NODE_NAME,
                "default-scheduler");
    }

    private void bindClaim(PersistentVolumeClaim claim) {
        if (claim.getStatus() != null && "Bound".equals(claim.getStatus().getPhase())) {
            return;
        }
        // The PV controller's job: a volume for the claim (dynamic provisioning), then phase Bound.
        claim.getSpec().setVolumeName("pvc-" + claim.getMetadata().getUid());
        PersistentVolumeClaim updated = store.persistentVolumeClaims()
                .inNamespace(namespace)
                .resource(claim)
                .update();
        Map<String, Quantity> capacity = updated.getSpec().getResources() == null
                        || updated.getSpec().getResources().getRequests() == null
                ? Map.of()
                : updated.getSpec().getResources().getRequests();
        updated.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder()
                .withPhase("Bound")
                .withAccessModes(updated.getSpec().getAccessModes())
                .withCapacity(capacity)
                .build());
        store.persistentVolumeClaims().inNamespace(namespace).resource(updated).updateStatus();
    }

    /**
     * Volume expansion, the external-resizer and the kubelet's file system resize in one step: a Bound claim whose
     * storage request grew beyond its capacity gets that capacity. (Only an expandable StorageClass lets a request
     * grow in a real cluster; the mock API server does not enforce that, the Ordinal controller checks it.)
     */
    private void expand(PersistentVolumeClaim claim) {
        if (claim.getStatus() == null
                || !"Bound".equals(claim.getStatus().getPhase())
                || claim.getSpec().getResources() == null
                || claim.getSpec().getResources().getRequests() == null) {
            return;
        }
        Quantity requested = claim.getSpec().getResources().getRequests().get("storage");
        Quantity capacity = claim.getStatus().getCapacity() == null
                ? null
                : claim.getStatus().getCapacity().get("storage");
        if (requested == null
                || (capacity != null && requested.getNumericalAmount().compareTo(capacity.getNumericalAmount()) <= 0)) {
            return;
        }
        Map<String, Quantity> grown = new HashMap<>(
                claim.getStatus().getCapacity() == null
                        ? Map.of()
                        : claim.getStatus().getCapacity());
        grown.put("storage", requested);
        claim.getStatus().setCapacity(grown);
        store.persistentVolumeClaims().inNamespace(namespace).resource(claim).updateStatus();
    }

    private void terminate(Pod pod, Times t, Instant now) {
        if (t.killing == null) {
            t.killing = now;
            if ("Running"
                    .equals(pod.getStatus() == null ? null : pod.getStatus().getPhase())) {
                SimEvents.record(
                        store,
                        pod,
                        "Normal",
                        "Killing",
                        "Stopping container "
                                + pod.getSpec().getContainers().get(0).getName(),
                        "kubelet");
                writeStatus(pod, s -> {
                    setCondition(s, "ContainersReady", false, "ContainersNotReady", null);
                    setCondition(s, "Ready", false, "ContainersNotReady", null);
                    s.setContainerStatuses(containerStatuses(pod, "running", false));
                });
            }
            return;
        }
        if (t.finalDeleteSent) {
            return;
        }
        long graceSeconds = pod.getMetadata().getDeletionGracePeriodSeconds() == null
                ? 0
                : pod.getMetadata().getDeletionGracePeriodSeconds();
        Duration grace = Duration.ofSeconds(graceSeconds).compareTo(timing.maxGrace()) < 0
                ? Duration.ofSeconds(graceSeconds)
                : timing.maxGrace();
        if (!now.isBefore(t.killing.plus(grace))) {
            t.finalDeleteSent = true;
            try {
                chain.delete(
                        namespace,
                        pod.getMetadata().getName(),
                        0L,
                        pod.getMetadata().getUid(),
                        Requester.KUBELET,
                        false);
            } catch (ApiException e) {
                if (!"NotFound".equals(e.reason())) {
                    t.finalDeleteSent = false; // try again next tick
                }
            }
        }
    }

    private void ensureScheduledCondition(Pod pod, boolean status, String reason, String message) {
        PodCondition c = condition(pod.getStatus(), "PodScheduled");
        if (c != null && String.valueOf(status).equalsIgnoreCase(c.getStatus()) && reason.equals(c.getReason())) {
            return;
        }
        writeStatus(pod, s -> setCondition(s, "PodScheduled", status, reason, message));
    }

    private interface StatusChange {
        void apply(PodStatus status);
    }

    private void writeStatus(Pod pod, StatusChange change) {
        PodStatus status = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        change.apply(status);
        pod.setStatus(status);
        store.pods().inNamespace(namespace).resource(pod).updateStatus();
    }

    private static void setCondition(PodStatus status, String type, boolean value, String reason, String message) {
        List<PodCondition> conditions =
                new ArrayList<>(status.getConditions() == null ? List.of() : status.getConditions());
        PodCondition existing = conditions.stream()
                .filter(c -> type.equals(c.getType()))
                .findFirst()
                .orElse(null);
        String v = value ? "True" : "False";
        String transition = existing != null && v.equals(existing.getStatus())
                ? existing.getLastTransitionTime()
                : AdmissionChain.timestamp(Instant.now());
        conditions.remove(existing);
        conditions.add(new PodConditionBuilder()
                .withType(type)
                .withStatus(v)
                .withReason(reason)
                .withMessage(message)
                .withLastTransitionTime(transition)
                .build());
        status.setConditions(conditions);
    }

    private static List<ContainerStatus> containerStatuses(Pod pod, String state, boolean ready) {
        List<ContainerStatus> statuses = new ArrayList<>();
        pod.getSpec().getContainers().forEach(c -> {
            ContainerStatusBuilder b = new ContainerStatusBuilder()
                    .withName(c.getName())
                    .withImage(c.getImage())
                    .withImageID(c.getImage())
                    .withReady(ready)
                    .withStarted(state.equals("running"))
                    .withRestartCount(0);
            if (state.equals("running")) {
                b.withNewState()
                        .withNewRunning()
                        .withStartedAt(AdmissionChain.timestamp(Instant.now()))
                        .endRunning()
                        .endState();
            } else {
                b.withNewState()
                        .withNewTerminated()
                        .withExitCode(0)
                        .withReason("Completed")
                        .endTerminated()
                        .endState();
            }
            statuses.add(b.build());
        });
        return statuses;
    }

    /** The PVC names {@code pod} mounts. */
    public static List<String> claimNames(Pod pod) {
        List<String> names = new ArrayList<>();
        for (Volume v : pod.getSpec().getVolumes() == null
                ? List.<Volume>of()
                : pod.getSpec().getVolumes()) {
            if (v.getPersistentVolumeClaim() != null
                    && v.getPersistentVolumeClaim().getClaimName() != null) {
                names.add(v.getPersistentVolumeClaim().getClaimName());
            }
        }
        return names;
    }

    /** Phase Running and condition Ready=True. */
    public static boolean isReady(Pod pod) {
        PodStatus s = pod.getStatus();
        if (s == null || !"Running".equals(s.getPhase())) {
            return false;
        }
        PodCondition ready = condition(s, "Ready");
        return ready != null && "True".equals(ready.getStatus());
    }

    private static PodCondition condition(PodStatus s, String type) {
        if (s == null || s.getConditions() == null) {
            return null;
        }
        return s.getConditions().stream()
                .filter(c -> type.equals(c.getType()))
                .findFirst()
                .orElse(null);
    }
}
