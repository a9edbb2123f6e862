package dev.ordinal.controller;

import dev.ordinal.plan.ClaimUpkeep;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Finds a set's top-level owner for {@code ordinal.dev/pvc-retention}: from a pod's controller reference up through
 * the owners Ordinal can read (one GET each: ReplicaSet, then the Deployment above it; Job), and the desired size
 * (Deployment or ReplicaSet {@code spec.replicas}, Job {@code spec.parallelism}). An owner of another kind is the top
 * (its desired size unknown). Called only for sets with a Delete policy, once per reconcile.
 */
final class OwnerResolver {

    private final KubernetesClient client;

    OwnerResolver(KubernetesClient client) {
        this.client = client;
    }

    /** The top-level owner above {@code ref} in {@code namespace}; empty when the owner is gone (404). */
    Optional<ClaimUpkeep.Owner> resolve(String namespace, OwnerReference ref) {
        if (isKind(ref, "apps/v1", "ReplicaSet")) {
            ReplicaSet rs = client.apps()
                    .replicaSets()
                    .inNamespace(namespace)
                    .withName(ref.getName())
                    .get();
            if (rs == null || !ref.getUid().equals(rs.getMetadata().getUid())) {
                return Optional.empty();
            }
            OwnerReference up = controllerOf(rs);
            if (up != null && isKind(up, "apps/v1", "Deployment")) {
                Deployment d = client.apps()
                        .deployments()
                        .inNamespace(namespace)
                        .withName(up.getName())
                        .get();
                if (d == null || !up.getUid().equals(d.getMetadata().getUid())) {
                    return Optional.empty();
                }
                OwnerReference top = controllerOf(d);
                OptionalInt desired = OptionalInt.of(
                        d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas());
                return Optional.of(top != null ? owner(top, OptionalInt.empty()) : owner(up, desired));
            }
            if (up != null) {
                return Optional.of(owner(up, OptionalInt.empty()));
            }
            return Optional.of(owner(
                    ref,
                    OptionalInt.of(
                            rs.getSpec().getReplicas() == null
                                    ? 1
                                    : rs.getSpec().getReplicas())));
        }
        if (isKind(ref, "batch/v1", "Job")) {
            Job job = client.batch()
                    .v1()
                    .jobs()
                    .inNamespace(namespace)
                    .withName(ref.getName())
                    .get();
            if (job == null || !ref.getUid().equals(job.getMetadata().getUid())) {
                return Optional.empty();
            }
            OwnerReference up = controllerOf(job);
            OptionalInt desired = OptionalInt.of(
                    job.getSpec().getParallelism() == null ? 1 : job.getSpec().getParallelism());
            // A CronJob's Jobs come and go; the claims follow the CronJob, sized by the current Job.
            return Optional.of(up != null ? owner(up, desired) : owner(ref, desired));
        }
        return Optional.of(owner(ref, OptionalInt.empty()));
    }

    private static ClaimUpkeep.Owner owner(OwnerReference ref, OptionalInt desired) {
        return new ClaimUpkeep.Owner(ref.getApiVersion(), ref.getKind(), ref.getName(), ref.getUid(), desired);
    }

    private static boolean isKind(OwnerReference ref, String apiVersion, String kind) {
        return apiVersion.equals(ref.getApiVersion()) && kind.equals(ref.getKind());
    }

    /** The controller reference of {@code object}, or null. */
    static OwnerReference controllerOf(HasMetadata object) {
        if (object.getMetadata().getOwnerReferences() == null) {
            return null;
        }
        return object.getMetadata().getOwnerReferences().stream()
                .filter(r -> Boolean.TRUE.equals(r.getController()))
                .findFirst()
                .orElse(null);
    }
}
