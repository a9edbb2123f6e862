package dev.ordinal.realcluster;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * On a failing real-cluster test, appends what a person would look at with kubectl to the failure: the pods of the
 * test's namespace (phase, node, scheduling gates, conditions, claims), its latest events, and the tail of each
 * Ordinal replica's log. CI keeps only the test output, not {@code target/real-cluster}, so the failure must carry it.
 */
final class ClusterDiagnostics implements TestExecutionExceptionHandler {

    private static final int EVENTS = 40;
    private static final int LOG_LINES = 40;

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        String report;
        try {
            report = report(RealCluster.shared());
        } catch (Exception | Error e) {
            report = "(no cluster state: " + e + ")";
        }
        System.err.println("--- cluster state at the failure of " + context.getDisplayName() + " ---\n" + report);
        AssertionError withState =
                new AssertionError(failure.getMessage() + "\n--- cluster state at the failure ---\n" + report, failure);
        throw withState;
    }

    static String report(RealCluster cluster) throws IOException {
        StringBuilder out = new StringBuilder();
        String ns = cluster.lastNamespace();
        KubernetesClient admin = cluster.admin();
        if (ns != null) {
            out.append("pods of ").append(ns).append(":\n");
            for (Pod pod : admin.pods().inNamespace(ns).list().getItems()) {
                out.append("  ").append(describe(pod)).append('\n');
            }
            out.append("claims: ")
                    .append(admin.persistentVolumeClaims().inNamespace(ns).list().getItems().stream()
                            .map(c -> c.getMetadata().getName() + "="
                                    + (c.getStatus() == null
                                            ? "?"
                                            : c.getStatus().getPhase()))
                            .collect(Collectors.joining(", ")))
                    .append('\n');
            out.append("latest events of ").append(ns).append(":\n");
            List<Event> events = admin.v1().events().inNamespace(ns).list().getItems().stream()
                    .sorted(Comparator.comparing(ClusterDiagnostics::eventTime))
                    .toList();
            for (Event e : events.subList(Math.max(0, events.size() - EVENTS), events.size())) {
                out.append("  ")
                        .append(eventTime(e))
                        .append(' ')
                        .append(e.getType())
                        .append(' ')
                        .append(e.getReason())
                        .append(' ')
                        .append(e.getInvolvedObject().getName())
                        .append(": ")
                        .append(e.getMessage())
                        .append('\n');
            }
        }
        out.append("leader: ").append(cluster.leader().orElse("(none)")).append('\n');
        try (Stream<Path> logs = Files.list(RealCluster.WORK)) {
            for (Path log : logs.filter(p -> p.getFileName().toString().startsWith("ordinal-"))
                    .filter(p -> p.toString().endsWith(".log"))
                    .sorted()
                    .toList()) {
                List<String> lines = Files.readAllLines(log);
                out.append("last lines of ").append(log.getFileName()).append(":\n");
                for (String line : lines.subList(Math.max(0, lines.size() - LOG_LINES), lines.size())) {
                    out.append("  ").append(line).append('\n');
                }
            }
        }
        return out.toString();
    }

    private static String eventTime(Event e) {
        return Stream.of(
                        e.getLastTimestamp(),
                        e.getEventTime() == null ? null : e.getEventTime().getTime(),
                        e.getMetadata().getCreationTimestamp())
                .filter(Objects::nonNull)
                .findFirst()
                .orElse("");
    }

    private static String describe(Pod pod) {
        var spec = pod.getSpec();
        var status = pod.getStatus();
        String gates = spec.getSchedulingGates() == null
                ? ""
                : spec.getSchedulingGates().stream()
                        .map(PodSchedulingGate::getName)
                        .collect(Collectors.joining(","));
        String conditions = status == null || status.getConditions() == null
                ? ""
                : status.getConditions().stream()
                        .map(ClusterDiagnostics::condition)
                        .collect(Collectors.joining(" "));
        String claims = spec.getVolumes() == null
                ? ""
                : spec.getVolumes().stream().map(ClusterDiagnostics::volume).collect(Collectors.joining(","));
        return pod.getMetadata().getName()
                + " uid=" + pod.getMetadata().getUid()
                + " phase=" + (status == null ? "?" : status.getPhase())
                + " node=" + spec.getNodeName()
                + (pod.getMetadata().getDeletionTimestamp() == null
                        ? ""
                        : " deleting=" + pod.getMetadata().getDeletionTimestamp())
                + " gates=[" + gates + "] volumes=[" + claims + "] " + conditions;
    }

    private static String condition(PodCondition c) {
        return c.getType() + "=" + c.getStatus() + (c.getReason() == null ? "" : "(" + c.getReason() + ")");
    }

    private static String volume(Volume v) {
        if (v.getPersistentVolumeClaim() != null) {
            return v.getName() + ":pvc/" + v.getPersistentVolumeClaim().getClaimName();
        }
        return v.getName() + (v.getEphemeral() != null ? ":ephemeral" : "");
    }
}
