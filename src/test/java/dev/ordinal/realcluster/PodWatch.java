package dev.ordinal.realcluster;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Watches one namespace's pods as {@code kubectl get pods -w} does, printing a line per visible change, and keeps
 * for every pod (by uid) when it was first seen, bound to a node, Ready, and whether it was created gated: the
 * evidence for the ordered-start assertions.
 */
final class PodWatch implements AutoCloseable {

    /** What was seen of one pod (one uid). Times are null until seen. */
    static final class Seen {
        final String name;
        final String uid;
        final Instant created;
        final boolean createdGated;
        volatile Instant bound;
        volatile Instant ready;
        volatile Instant deleting;

        Seen(String name, String uid, Instant created, boolean createdGated) {
            this.name = name;
            this.uid = uid;
            this.created = created;
            this.createdGated = createdGated;
        }
    }

    /** One change the watch saw: {@code pod} as it is now, or as it was when {@code deleted}. */
    record Change(Pod pod, boolean deleted) {}

    private final Instant start = Instant.now();
    private final List<Change> changes = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Seen> byUid = new ConcurrentHashMap<>();
    private final Map<String, String> lastLine = new ConcurrentHashMap<>();
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final PrintStream out;
    private final SharedIndexInformer<Pod> informer;

    PodWatch(KubernetesClient client, String namespace, PrintStream out) {
        this.out = out;
        this.informer = client.pods().inNamespace(namespace).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                seen(pod);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod pod) {
                seen(pod);
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {
                changes.add(new Change(pod, true));
                print(pod, "Deleted");
            }
        });
    }

    private void seen(Pod pod) {
        changes.add(new Change(pod, false));
        Instant now = Instant.now();
        Seen s = byUid.computeIfAbsent(
                pod.getMetadata().getUid(),
                uid -> new Seen(
                        pod.getMetadata().getName(),
                        uid,
                        now,
                        pod.getSpec().getSchedulingGates() != null
                                && !pod.getSpec().getSchedulingGates().isEmpty()));
        if (s.bound == null && pod.getSpec().getNodeName() != null) {
            s.bound = now;
        }
        if (s.ready == null && ready(pod)) {
            s.ready = now;
        }
        if (s.deleting == null && pod.getMetadata().getDeletionTimestamp() != null) {
            s.deleting = now;
        }
        print(pod, status(pod));
    }

    private void print(Pod pod, String status) {
        int containers = pod.getSpec().getContainers().size();
        long readyCount = pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
                ? 0
                : pod.getStatus().getContainerStatuses().stream()
                        .filter(c -> Boolean.TRUE.equals(c.getReady()))
                        .count();
        String row = String.format(
                "%-10s %3d/%d   %-17s %s",
                pod.getMetadata().getName(),
                readyCount,
                containers,
                status,
                Objects.requireNonNullElse(pod.getSpec().getNodeName(), "<none>"));
        if (row.equals(lastLine.put(pod.getMetadata().getUid(), row))) {
            return;
        }
        String line = String.format(
                "%7.2fs  %s", Duration.between(start, Instant.now()).toMillis() / 1000.0, row);
        lines.add(line);
        out.println(line);
    }

    static String status(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return "Terminating";
        }
        if (pod.getSpec().getSchedulingGates() != null
                && !pod.getSpec().getSchedulingGates().isEmpty()) {
            return "SchedulingGated";
        }
        if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
            for (var c : pod.getStatus().getContainerStatuses()) {
                if (c.getState() != null && c.getState().getWaiting() != null) {
                    return c.getState().getWaiting().getReason();
                }
            }
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return phase == null ? "Pending" : phase;
    }

    static boolean ready(Pod pod) {
        return pod.getStatus() != null
                && "Running".equals(pod.getStatus().getPhase())
                && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** Every pod seen, in the order first seen. */
    List<Seen> seen() {
        return byUid.values().stream()
                .sorted(Comparator.comparing(s -> s.created))
                .toList();
    }

    /** The pods seen under {@code name}, oldest first. */
    List<Seen> named(String name) {
        return seen().stream().filter(s -> s.name.equals(name)).toList();
    }

    /** Every add, update and delete, in the order the watch delivered them (the API server's order). */
    List<Change> changes() {
        synchronized (changes) {
            return List.copyOf(changes);
        }
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        informer.close();
    }
}
