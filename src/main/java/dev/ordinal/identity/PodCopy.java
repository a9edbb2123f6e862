package dev.ordinal.identity;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;

/**
 * The copy {@link PodIdentity#mutate} edits: a new {@code Pod}, {@code ObjectMeta} and {@code PodSpec} whose fields
 * refer to the same values as the original's. Ordinal only ever replaces owned fields of the copy (name, labels,
 * annotations, hostname, subdomain, volumes, scheduling gates) with new values, never edits a shared value in place,
 * so the original stays as received. {@code new PodBuilder(pod).build()} copied every container, env var and probe
 * as well: the largest single cost of a mutating review ({@code docs/profiles/}).
 *
 * <p>The constructors take fabric8's fields in alphabetical order; {@code PodCopyTest} fills every field with a
 * distinct value and fails if two are swapped or one is left out, and a new model field changes the constructor, so
 * this no longer compiles.
 */
final class PodCopy {

    private PodCopy() {}

    static Pod sharingUnowned(Pod pod) {
        Pod copy = new Pod(
                pod.getApiVersion(), pod.getKind(), meta(pod.getMetadata()), spec(pod.getSpec()), pod.getStatus());
        copy.getAdditionalProperties().putAll(pod.getAdditionalProperties());
        return copy;
    }

    private static ObjectMeta meta(ObjectMeta m) {
        if (m == null) {
            return null;
        }
        ObjectMeta copy = new ObjectMeta(
                m.getAnnotations(),
                m.getCreationTimestamp(),
                m.getDeletionGracePeriodSeconds(),
                m.getDeletionTimestamp(),
                m.getFinalizers(),
                m.getGenerateName(),
                m.getGeneration(),
                m.getLabels(),
                m.getManagedFields(),
                m.getName(),
                m.getNamespace(),
                m.getOwnerReferences(),
                m.getResourceVersion(),
                m.getSelfLink(),
                m.getUid());
        copy.getAdditionalProperties().putAll(m.getAdditionalProperties());
        return copy;
    }

    private static PodSpec spec(PodSpec s) {
        if (s == null) {
            return null;
        }
        PodSpec copy = new PodSpec(
                s.getActiveDeadlineSeconds(),
                s.getAffinity(),
                s.getAutomountServiceAccountToken(),
                s.getContainers(),
                s.getDnsConfig(),
                s.getDnsPolicy(),
                s.getEnableServiceLinks(),
                s.getEphemeralContainers(),
                s.getHostAliases(),
                s.getHostIPC(),
                s.getHostNetwork(),
                s.getHostPID(),
                s.getHostUsers(),
                s.getHostname(),
                s.getHostnameOverride(),
                s.getImagePullSecrets(),
                s.getInitContainers(),
                s.getNodeName(),
                s.getNodeSelector(),
                s.getOs(),
                s.getOverhead(),
                s.getPreemptionPolicy(),
                s.getPriority(),
                s.getPriorityClassName(),
                s.getReadinessGates(),
                s.getResourceClaims(),
                s.getResources(),
                s.getRestartPolicy(),
                s.getRuntimeClassName(),
                s.getSchedulerName(),
                s.getSchedulingGates(),
                s.getSecurityContext(),
                s.getServiceAccount(),
                s.getServiceAccountName(),
                s.getSetHostnameAsFQDN(),
                s.getShareProcessNamespace(),
                s.getSubdomain(),
                s.getTerminationGracePeriodSeconds(),
                s.getTolerations(),
                s.getTopologySpreadConstraints(),
                s.getVolumes());
        copy.getAdditionalProperties().putAll(s.getAdditionalProperties());
        return copy;
    }
}
