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
            return live(ReplicaSet.class, namespace, ref).flatMap(rs -> {
                OwnerReference up = controllerOf(rs);
                if (up == null) {
                    return Optional.of(owner(ref, size(rs.getSpec().getReplicas())));
                }
                if (!isKind(up, "apps/v1", "Deployment")) {
                    return Optional.of(owner(up, OptionalInt.empty()));
                }
                return live(Deployment.class, namespace, up).map(d -> {
                    OwnerReference top = controllerOf(d);
                    return top != null
                            ? owner(top, OptionalInt.empty())
                            : owner(up, size(d.getSpec().getReplicas()));
                });
            });
        }
        if (isKind(ref, "batch/v1", "Job")) {
            // A CronJob's Jobs come and go; the claims follow the CronJob, sized by the current Job.
            return live(Job.class, namespace, ref).map(job -> {
                OwnerReference up = controllerOf(job);
                return owner(up != null ? up : ref, size(job.getSpec().getParallelism()));
            });
        }
        return Optional.of(owner(ref, OptionalInt.empty()));
    }

    /** The {@code type} that {@code ref} names in {@code namespace}; empty when it is gone or re-created (new uid). */
    private <T extends HasMetadata> Optional<T> live(Class<T> type, String namespace, OwnerReference ref) {
        T found = client.resources(type)
                .inNamespace(namespace)
                .withName(ref.getName())
                .get();
        return found == null || !ref.getUid().equals(found.getMetadata().getUid())
                ? Optional.empty()
                : Optional.of(found);
    }

    /** A desired size from {@code spec.replicas} or {@code spec.parallelism}, which default to 1 when unset. */
    private static OptionalInt size(Integer replicas) {
        return OptionalInt.of(replicas == null ? 1 : replicas);
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
