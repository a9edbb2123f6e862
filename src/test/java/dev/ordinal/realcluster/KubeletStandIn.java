package dev.ordinal.realcluster;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * What a kubelet, a container runtime and a volume provisioner would do, and nothing more: registers Ready nodes;
 * moves each pod the real scheduler bound to one of them through ContainerCreating to Running and Ready (through the
 * {@code pods/status} subresource, after {@code startDelay}); finishes a graceful deletion once the pod's
 * "containers" stopped ({@code stopDelay}); and provisions volumes as a node-local CSI driver does: the default
 * StorageClass {@value #STORAGE_CLASS} binds on first consumer, so the real scheduler picks a node, marks the claim
 * with it and waits; the stand-in then creates a PersistentVolume pre-bound to the claim, which the real PV
 * controller binds.
 *
 * <p>Why not a class that binds at once: on this v1.35.4 scheduler a pod whose claim is bound a moment after its
 * first scheduling attempt stays unschedulable until the 5-minute flush of the unschedulable queue (seen with a
 * plain StatefulSet as well as with Ordinal: "pod has unbound immediate PersistentVolumeClaims. not found"). Most
 * real clusters' default classes bind on first consumer, which has no such window.
 */
final class KubeletStandIn implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KubeletStandIn.class);
    static final String STORAGE_CLASS = "standard";
    static final String PROVISIONER = "stand-in.ordinal.dev";
    static final String SELECTED_NODE = "volume.kubernetes.io/selected-node";

    private final KubernetesClient client;
    private final Set<String> nodes;
    private volatile Duration startDelay;
    private final Duration stopDelay;
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "kubelet-stand-in");
        t.setDaemon(true);
        return t;
    });
    /** Pod uid to the step already scheduled for it, so an informer resync never schedules one twice. */
    private final Map<String, String> scheduled = new ConcurrentHashMap<>();

    private final AtomicInteger ips = new AtomicInteger();
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<PersistentVolumeClaim> claims;

    KubeletStandIn(KubernetesClient client, List<String> nodeNames, Duration startDelay, Duration stopDelay) {
        this.client = client;
        this.nodes = Set.copyOf(nodeNames);
        this.startDelay = startDelay;
        this.stopDelay = stopDelay;
        nodeNames.forEach(this::register);
        client.storage()
                .v1()
                .storageClasses()
                .resource(new io.fabric8.kubernetes.api.model.storage.StorageClassBuilder()
                        .withNewMetadata()
                        .withName(STORAGE_CLASS)
                        .addToAnnotations("storageclass.kubernetes.io/is-default-class", "true")
                        .endMetadata()
                        .withProvisioner(PROVISIONER)
                        .withVolumeBindingMode("WaitForFirstConsumer")
                        .withReclaimPolicy("Delete")
                        .withAllowVolumeExpansion(true)
                        .build())
                .create();
        this.pods = client.pods().inAnyNamespace().inform(handler(this::onPod));
        this.claims = client.persistentVolumeClaims().inAnyNamespace().inform(handler(this::onClaim));
    }

    /** How long a bound pod takes from ContainerCreating to Ready, from now on. */
    void startDelay(Duration delay) {
        this.startDelay = delay;
    }

    private void register(String name) {
        String now = Instant.now().toString();
        Map<String, Quantity> capacity = Map.of(
                "cpu",
                new Quantity("64"),
                "memory",
                new Quantity("256Gi"),
                "pods",
                new Quantity("500"),
                "ephemeral-storage",
                new Quantity("1Ti"));
        Node node = new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels("kubernetes.io/hostname", name)
                .addToLabels("kubernetes.io/os", "linux")
                .addToLabels("kubernetes.io/arch", "amd64")
                .endMetadata()
                .withNewSpec()
                .endSpec()
                .withNewStatus()
                .withCapacity(capacity)
                .withAllocatable(capacity)
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .withReason("KubeletReady")
                .withMessage("kubelet stand-in")
                .withLastHeartbeatTime(now)
                .withLastTransitionTime(now)
                .endCondition()
                .addNewAddress()
                .withType("Hostname")
                .withAddress(name)
                .endAddress()
                .withNewNodeInfo()
                .withKubeletVersion("v1.35.4")
                .withOperatingSystem("linux")
                .withArchitecture("amd64")
                .withContainerRuntimeVersion("stand-in://1")
                .withKernelVersion("")
                .withOsImage("")
                .withKubeProxyVersion("")
                .withMachineID(name)
                .withSystemUUID(name)
                .withBootID(name)
                .endNodeInfo()
                .endStatus()
                .build();
        client.nodes().resource(node).create();
        // Status on create is kept for nodes today, but a kubelet writes it through the subresource; so do we.
        client.nodes().withName(name).editStatus(n -> {
            n.setStatus(node.getStatus());
            return n;
        });
        // The TaintNodesByCondition admission plugin taints every new node not-ready; the node lifecycle controller
        // lifts the taint once the kubelet reports Ready. That controller is not run (no heartbeats here): do its part.
        client.nodes().withName(name).edit(n -> {
            n.getSpec().setTaints(List.of());
            return n;
        });
    }

    private void onPod(Pod pod) {
        String nodeName = pod.getSpec().getNodeName();
        if (nodeName == null || !nodes.contains(nodeName)) {
            return;
        }
        String uid = pod.getMetadata().getUid();
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            if (!"delete".equals(scheduled.put(uid, "delete"))) {
                timers.schedule(() -> finishDeletion(pod), stopDelay.toMillis(), TimeUnit.MILLISECONDS);
            }
            return;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        boolean started = pod.getStatus() != null
                && pod.getStatus().getContainerStatuses() != null
                && !pod.getStatus().getContainerStatuses().isEmpty();
        if ((phase == null || "Pending".equals(phase)) && !started && scheduled.putIfAbsent(uid, "start") == null) {
            long half = Math.max(1, startDelay.toMillis() / 2);
            // Ready only after ContainerCreating is written: two timers due at once on a loaded machine could
            // otherwise write them in the wrong order and leave the pod ContainerCreating for ever.
            timers.schedule(
                    () -> {
                        writeStatus(pod, false);
                        timers.schedule(() -> writeStatus(pod, true), half, TimeUnit.MILLISECONDS);
                    },
                    half,
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * {@link #writeStatusOnce}, again on a 409: the edit is a read-modify-write, and a pod changed meanwhile (a gate
     * patch, the garbage collector dropping an orphan's ownerReference) would otherwise never get its Ready write.
     */
    private void writeStatus(Pod bound, boolean running) {
        for (int attempt = 1; attempt <= 5; attempt++) {
            try {
                writeStatusOnce(bound, running);
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    LOG.warnf("stand-in: status of %s: %s", bound.getMetadata().getName(), e.getMessage());
                    return;
                }
            }
        }
    }

    /** ContainerCreating ({@code running == false}) or Running and Ready, for the pod of {@code bound}'s uid. */
    private void writeStatusOnce(Pod bound, boolean running) {
        String uid = bound.getMetadata().getUid();
        String now = Instant.now().toString();
        try {
            client.pods()
                    .inNamespace(bound.getMetadata().getNamespace())
                    .withName(bound.getMetadata().getName())
                    .editStatus(p -> {
                        if (!uid.equals(p.getMetadata().getUid())
                                || p.getMetadata().getDeletionTimestamp() != null) {
                            return p;
                        }
                        var status = p.getStatus();
                        status.setHostIP("127.0.0.1");
                        if (status.getStartTime() == null) {
                            status.setStartTime(now);
                        }
                        String ready = running ? "True" : "False";
                        status.setConditions(List.of(
                                condition("PodReadyToStartContainers", ready, now),
                                condition("Initialized", "True", now),
                                condition("Ready", ready, now),
                                condition("ContainersReady", ready, now),
                                condition("PodScheduled", "True", now)));
                        status.setContainerStatuses(p.getSpec().getContainers().stream()
                                .map(c -> containerStatus(c.getName(), c.getImage(), running, now))
                                .toList());
                        if (running) {
                            int n = ips.incrementAndGet();
                            String ip = "10.244." + (n / 250) % 250 + "." + (n % 250 + 1);
                            status.setPhase("Running");
                            status.setPodIP(ip);
                            status.setPodIPs(List.of(new PodIP(ip)));
                        } else {
                            status.setPhase("Pending");
                        }
                        return p;
                    });
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private void finishDeletion(Pod pod) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        // What the kubelet sends once the containers are gone: a delete with grace 0, of this pod only. The uid
        // precondition matters: an informer event that arrives after the pod is gone schedules this again, and by
        // then a new pod may hold the name (a ReplicaSet's replacement that Ordinal named the same).
        DeleteOptions options = new DeleteOptionsBuilder()
                .withApiVersion("v1")
                .withKind("DeleteOptions")
                .withGracePeriodSeconds(0L)
                .withNewPreconditions()
                .withUid(pod.getMetadata().getUid())
                .endPreconditions()
                .build();
        try {
            client.raw("/api/v1/namespaces/" + ns + "/pods/" + name, "DELETE", options);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404 && e.getCode() != 409) {
                LOG.warnf("stand-in: deleting %s: %s", name, e.getMessage());
            }
        } finally {
            scheduled.remove(pod.getMetadata().getUid());
        }
    }

    private void onClaim(PersistentVolumeClaim claim) {
        String node = claim.getMetadata().getAnnotations() == null
                ? null
                : claim.getMetadata().getAnnotations().get(SELECTED_NODE);
        if (node == null
                || claim.getSpec().getVolumeName() != null
                || claim.getMetadata().getDeletionTimestamp() != null
                || scheduled.putIfAbsent(claim.getMetadata().getUid(), "provision") != null) {
            return;
        }
        Quantity size = claim.getSpec().getResources() == null
                        || claim.getSpec().getResources().getRequests() == null
                ? new Quantity("1Gi")
                : claim.getSpec().getResources().getRequests().getOrDefault("storage", new Quantity("1Gi"));
        PersistentVolume pv = new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName("pv-" + claim.getMetadata().getUid())
                .endMetadata()
                .withNewSpec()
                .withCapacity(Map.of("storage", size))
                .withAccessModes(claim.getSpec().getAccessModes())
                .withVolumeMode(claim.getSpec().getVolumeMode())
                .withStorageClassName(Objects.requireNonNullElse(claim.getSpec().getStorageClassName(), ""))
                .withPersistentVolumeReclaimPolicy("Retain")
                .withNewNodeAffinity()
                .withNewRequired()
                .addNewNodeSelectorTerm()
                .addNewMatchExpression()
                .withKey("kubernetes.io/hostname")
                .withOperator("In")
                .withValues(node)
                .endMatchExpression()
                .endNodeSelectorTerm()
                .endRequired()
                .endNodeAffinity()
                .withNewHostPath()
                .withPath("/tmp/ordinal-e2e/" + claim.getMetadata().getUid())
                .endHostPath()
                .withClaimRef(new ObjectReferenceBuilder()
                        .withKind("PersistentVolumeClaim")
                        .withApiVersion("v1")
                        .withNamespace(claim.getMetadata().getNamespace())
                        .withName(claim.getMetadata().getName())
                        .withUid(claim.getMetadata().getUid())
                        .build())
                .endSpec()
                .build();
        try {
            client.persistentVolumes().resource(pv).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                LOG.warnf("stand-in: volume for %s: %s", claim.getMetadata().getName(), e.getMessage());
            }
        }
    }

    private static PodCondition condition(String type, String status, String now) {
        return new PodConditionBuilder()
                .withType(type)
                .withStatus(status)
                .withLastTransitionTime(now)
                .build();
    }

    private static ContainerStatus containerStatus(String name, String image, boolean running, String now) {
        ContainerStatusBuilder b = new ContainerStatusBuilder()
                .withName(name)
                .withImage(image)
                .withImageID(running ? "stand-in://" + image : "")
                .withReady(running)
                .withStarted(running)
                .withRestartCount(0);
        if (running) {
            b.withNewState().withNewRunning().withStartedAt(now).endRunning().endState();
        } else {
            b.withNewState()
                    .withNewWaiting()
                    .withReason("ContainerCreating")
                    .endWaiting()
                    .endState();
        }
        return b.build();
    }

    private static <T> ResourceEventHandler<T> handler(java.util.function.Consumer<T> onChange) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                onChange.accept(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                onChange.accept(newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {}
        };
    }

    @Override
    public void close() {
        pods.close();
        claims.close();
        timers.shutdownNow();
    }
}
