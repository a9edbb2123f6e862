package dev.ordinal.sim;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders observed steps as timeline rows. Objects: time, object, ordinal, gates, status, ready, PVC (a claim's row:
 * its storage request); an Event's row gives its object and then {@code Reason: message} across the other columns.
 */
public final class Timeline {

    private static final String FORMAT = "%-8s %-20s %-4s %-15s %-17s %-5s %s";

    /** Column header matching {@link #line}. */
    public static final String HEADER =
            String.format(FORMAT, "TIME", "OBJECT", "ORD", "GATES", "STATUS", "READY", "PVC / NOTE");

    private Timeline() {}

    /** One row for {@code step}, with time relative to {@code t0}. */
    public static String line(ClusterObserver.Step step, Instant t0) {
        String time = String.format("+%.2fs", Duration.between(t0, step.at()).toMillis() / 1000.0);
        String note = switch (step.kind()) {
            case POD -> "";
            case CLAIM ->
                step.action().equals("ADDED")
                        ? "  (created, uid …" + tail(step.object().getMetadata().getUid()) + ")"
                        : "";
            case SERVICE -> step.action().equals("ADDED") ? "  (created)" : "";
            case EVENT -> "";
        };
        return String.format("%-8s %s%s", time, state(step), note).stripTrailing();
    }

    /** The row without its time and notes: what a step shows about its object (equal for no visible change). */
    public static String state(ClusterObserver.Step step) {
        boolean deleted = step.action().equals("DELETED");
        return switch (step.kind()) {
            case POD -> podState((Pod) step.object(), deleted);
            case CLAIM -> {
                PersistentVolumeClaim c = (PersistentVolumeClaim) step.object();
                String phase = c.getStatus() == null || c.getStatus().getPhase() == null
                        ? "Pending"
                        : c.getStatus().getPhase();
                yield String.format(
                                "%-20s %-4s %-15s %-17s %-5s %s",
                                "pvc/" + c.getMetadata().getName(), "", "", deleted ? "Deleted" : phase, "", storage(c))
                        .stripTrailing();
            }
            case SERVICE -> {
                Service s = (Service) step.object();
                yield String.format(
                                "%-20s %-4s %-15s %-17s",
                                "svc/" + s.getMetadata().getName(),
                                "",
                                "",
                                deleted ? "Deleted" : "clusterIP " + s.getSpec().getClusterIP())
                        .stripTrailing();
            }
            case EVENT -> {
                Event e = (Event) step.object();
                String kind = e.getInvolvedObject().getKind();
                String prefix = "ReplicaSet".equals(kind)
                        ? "rs/"
                        : "Pod".equals(kind)
                                ? "pod/"
                                : "Service".equals(kind) ? "svc/" : "Job".equals(kind) ? "job/" : "";
                yield String.format(
                        "%-20s %s",
                        "event " + prefix + e.getInvolvedObject().getName(),
                        ("Warning".equals(e.getType()) ? "⚠ " : "") + e.getReason() + ": "
                                + abbreviate(e.getMessage(), 150));
            }
        };
    }

    /** A claim's storage request, and its capacity when that differs (a resize under way): {@code 2Gi (capacity 1Gi)}. */
    static String storage(PersistentVolumeClaim c) {
        Quantity requested = c.getSpec() == null
                        || c.getSpec().getResources() == null
                        || c.getSpec().getResources().getRequests() == null
                ? null
                : c.getSpec().getResources().getRequests().get("storage");
        Quantity capacity = c.getStatus() == null || c.getStatus().getCapacity() == null
                ? null
                : c.getStatus().getCapacity().get("storage");
        if (requested == null) {
            return "";
        }
        return capacity == null || requested.getNumericalAmount().compareTo(capacity.getNumericalAmount()) == 0
                ? requested.toString()
                : requested + " (capacity " + capacity + ")";
    }

    private static String podState(Pod p, boolean deleted) {
        String set = SetInvariants.setOf(p);
        int n = set == null ? -1 : SetInvariants.ordinalOf(set, p.getMetadata().getName());
        List<String> gates = SetInvariants.gates(p).stream()
                .map(g -> g.replace("ordinal.dev/", ""))
                .collect(Collectors.toList());
        String claims = String.join(",", KubeletSim.claimNames(p));
        return String.format(
                        "%-20s %-4s %-15s %-17s %-5s %s",
                        "pod/" + p.getMetadata().getName(),
                        n < 0 ? "-" : Integer.toString(n),
                        gates.isEmpty() ? "-" : String.join(",", gates),
                        deleted ? "Deleted" : status(p),
                        KubeletSim.isReady(p) ? "1/1" : "0/1",
                        claims.isEmpty() ? "-" : claims)
                .stripTrailing();
    }

    /** kubectl's STATUS column, roughly. */
    public static String status(Pod p) {
        if (p.getMetadata().getDeletionTimestamp() != null) {
            return "Terminating";
        }
        if (!SetInvariants.gates(p).isEmpty()) {
            return "SchedulingGated";
        }
        String phase = p.getStatus() == null || p.getStatus().getPhase() == null
                ? "Pending"
                : p.getStatus().getPhase();
        if ("Succeeded".equals(phase)) {
            return "Completed";
        }
        if ("Pending".equals(phase)
                && p.getSpec().getNodeName() != null
                && !p.getSpec().getNodeName().isEmpty()) {
            return "ContainerCreating";
        }
        return phase;
    }

    /** One pod, for failure messages. */
    public static String describe(Pod p) {
        return p.getMetadata().getName() + " uid=…" + tail(p.getMetadata().getUid()) + " gates="
                + SetInvariants.gates(p) + " status=" + status(p) + " ready=" + KubeletSim.isReady(p) + " node="
                + p.getSpec().getNodeName() + " claims=" + KubeletSim.claimNames(p);
    }

    static String tail(String uid) {
        return uid == null ? "?" : uid.substring(Math.max(0, uid.length() - 6));
    }

    static String abbreviate(String s, int max) {
        if (s == null) {
            return "";
        }
        String one = s.replace('\n', ' ');
        return one.length() > max ? one.substring(0, max - 1) + "…" : one;
    }
}
