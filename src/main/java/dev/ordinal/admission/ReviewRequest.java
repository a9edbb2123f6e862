package dev.ordinal.admission;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * A decoded AdmissionReview request for a Pod: only what Ordinal reads. {@code object} and {@code oldObject} keep
 * the raw JSON as sent, so nothing the user sent is lost on the way to the patch.
 *
 * @param pod the object as a Pod, or null for DELETE/CONNECT
 * @param oldPod the old object as a Pod, or null unless UPDATE
 */
public record ReviewRequest(
        String uid,
        String apiVersion,
        Operation operation,
        String namespace,
        String username,
        boolean dryRun,
        JsonNode object,
        Pod pod,
        Pod oldPod) {

    /** The namespace/name (or namespace/generateName*) of the pod, for logs. */
    public String describePod() {
        if (pod == null) {
            return namespace + "/?";
        }
        String name = pod.getMetadata().getName();
        if (name == null || name.isEmpty()) {
            name = pod.getMetadata().getGenerateName() + "*";
        }
        return namespace + "/" + name;
    }
}
