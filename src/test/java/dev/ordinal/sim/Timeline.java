package dev.ordinal.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;

/** Renders observed steps as timeline rows: time, object, ordinal, gates, status, PVC, event. */
public final class Timeline {

    /** Column header matching {@link #line}. */
    public static final String HEADER = String.format("%-8s %-7s %-12s %-4s %-17s %-16s %-5s %-22s %s", "TIME", "KIND",
            "NAME", "ORD", "GATES", "STATUS", "READY", "PVC", "EVENT");

    private Timeline() {
    }

    /** One row for {@code step}, with time relative to {@code t0}. */
    public static String line(ClusterObserver.Step step, Instant t0) {
        String time = String.format("+%.2fs", Duration.between(t0, step.at()).toMillis() / 1000.0);
        return switch (step.kind()) {
            case POD -> podRow(time, (Pod) step.object(), step.action().equals("DELETED"));
            case CLAIM -> {
                PersistentVolumeClaim c = (PersistentVolumeClaim) step.object();
                String phase = c.getStatus() == null || c.getStatus().getPhase() == null ? "Pending"
                        : c.getStatus().getPhase();
                yield String.format("%-8s %-7s %-12s %-4s %-17s %-16s %-5s %-22s %s", time, "pvc",
                        c.getMetadata().getName(), "", "", step.action().equals("DELETED") ? "Deleted" : phase, "",
                        "uid …" + tail(c.getMetadata().getUid()), step.action().equals("ADDED") ? "(created)" : "");
            }
            case SERVICE -> {
                Service s = (Service) step.object();
                yield String.format("%-8s %-7s %-12s %-4s %-17s %-16s %-5s %-22s %s", time, "svc",
                        s.getMetadata().getName(), "", "", "clusterIP " + s.getSpec().getClusterIP(), "", "",
                        step.action().equals("ADDED") ? "(created)" : step.action().toLowerCase());
            }
            case EVENT -> {
                Event e = (Event) step.object();
                String kind = e.getInvolvedObject().getKind() == null ? "" : e.getInvolvedObject().getKind()
                        .toLowerCase();
                yield String.format("%-8s %-7s %-12s %-4s %-17s %-16s %-5s %-22s %s", time, "event",
                        e.getInvolvedObject().getName(), "", "", "", "", kind,
                        e.getReason() + ": " + abbreviate(e.getMessage(), 90));
            }
        };
    }

    private static String podRow(String time, Pod p, boolean deleted) {
        String set = SetInvariants.setOf(p);
        int n = set == null ? -1 : SetInvariants.ordinalOf(set, p.getMetadata().getName());
        List<String> gates = SetInvariants.gates(p).stream().map(g -> g.replace("ordinal.dev/", ""))
                .collect(Collectors.toList());
        String claims = String.join(",", KubeletSim.claimNames(p));
        return String.format("%-8s %-7s %-12s %-4s %-17s %-16s %-5s %-22s %s", time, "pod", p.getMetadata().getName(),
                n < 0 ? "-" : Integer.toString(n), gates.isEmpty() ? "-" : String.join(",", gates),
                deleted ? "Deleted" : status(p), KubeletSim.isReady(p) ? "1/1" : "0/1",
                claims.isEmpty() ? "-" : claims, "");
    }

    /** kubectl's STATUS column, roughly. */
    public static String status(Pod p) {
        if (p.getMetadata().getDeletionTimestamp() != null) {
            return "Terminating";
        }
        if (!SetInvariants.gates(p).isEmpty()) {
            return "SchedulingGated";
        }
        String phase = p.getStatus() == null || p.getStatus().getPhase() == null ? "Pending" : p.getStatus().getPhase();
        if ("Succeeded".equals(phase)) {
            return "Completed";
        }
        if ("Pending".equals(phase) && (p.getSpec().getNodeName() == null || p.getSpec().getNodeName().isEmpty())) {
            return "Pending";
        }
        if ("Pending".equals(phase)) {
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
