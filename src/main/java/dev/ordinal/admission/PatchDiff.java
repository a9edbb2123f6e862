package dev.ordinal.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;

/**
 * RFC 6902 patch from the pod as received to the pod as Ordinal wants it. Both sides go through the same mapper
 * (as josdk-webhooks' DefaultAdmissionRequestMutator does), so the patch holds only Ordinal's edits and fields the
 * model does not know survive untouched (they ride in {@code additionalProperties} on both sides).
 *
 * <p>Only the fields Ordinal writes ({@code PodIdentity.mutate}: name, labels and annotations, hostname, subdomain,
 * volumes and scheduling gates) are serialized and diffed, each side projected onto them in the order the mapper
 * writes them: turning two whole pods (containers, env, probes…) into JSON trees cost more than the rest of the
 * review together. Everything else of the pod must be left as it was ({@link #diff} checks the other metadata
 * fields by reference and falls back to the whole-pod diff when one differs); {@code PatchDiffTest} compares both
 * diffs on fuzzed pods.
 */
final class PatchDiff {

    // Plain add/remove/replace ops are easier to read in audit logs than move/copy.
    private static final EnumSet<DiffFlags> FLAGS =
            EnumSet.of(DiffFlags.OMIT_MOVE_OPERATION, DiffFlags.OMIT_COPY_OPERATION);

    private PatchDiff() {}

    /** The patch taking {@code original} to {@code mutated}; empty when they serialize the same. */
    static ArrayNode diff(ObjectMapper mapper, Pod original, Pod mutated) {
        if (!onlyOwnedFieldsMayDiffer(original, mutated)) {
            return whole(mapper, original, mutated);
        }
        return (ArrayNode) JsonDiff.asJson(owned(mapper, original), owned(mapper, mutated), FLAGS);
    }

    /** The patch from diffing the two whole pods as JSON trees (the reference {@link #diff} must agree with). */
    static ArrayNode whole(ObjectMapper mapper, Pod original, Pod mutated) {
        JsonNode before = mapper.valueToTree(original);
        JsonNode after = mapper.valueToTree(mutated);
        return (ArrayNode) JsonDiff.asJson(before, after, FLAGS);
    }

    /**
     * {@code {metadata: {annotations, labels, name}, spec: {hostname, schedulingGates, subdomain, volumes}}} of
     * {@code pod}, fields in the mapper's order (fabric8's {@code @JsonPropertyOrder} is alphabetical), a null field
     * left out as the mapper leaves it out.
     */
    private static ObjectNode owned(ObjectMapper mapper, Pod pod) {
        ObjectNode root = mapper.createObjectNode();
        ObjectMeta m = pod.getMetadata();
        if (m != null) {
            ObjectNode metadata = root.putObject("metadata");
            put(mapper, metadata, "annotations", m.getAnnotations());
            put(mapper, metadata, "labels", m.getLabels());
            put(mapper, metadata, "name", m.getName());
        }
        PodSpec s = pod.getSpec();
        if (s != null) {
            ObjectNode spec = root.putObject("spec");
            put(mapper, spec, "hostname", s.getHostname());
            put(mapper, spec, "schedulingGates", s.getSchedulingGates());
            put(mapper, spec, "subdomain", s.getSubdomain());
            put(mapper, spec, "volumes", s.getVolumes());
        }
        return root;
    }

    private static void put(ObjectMapper mapper, ObjectNode node, String field, Object value) {
        if (value == null) {
            return;
        }
        JsonNode tree = mapper.valueToTree(value);
        // The mapper leaves out empty maps and lists of the model (fabric8's @JsonInclude NON_EMPTY), as it does here.
        if (tree != null && !tree.isNull() && !(tree.isContainerNode() && tree.isEmpty() && isEmptyInclude(value))) {
            node.set(field, tree);
        }
    }

    private static boolean isEmptyInclude(Object value) {
        return value instanceof Map<?, ?> || value instanceof Collection<?>;
    }

    /**
     * Whether {@code mutated} can differ from {@code original} only in the owned fields: both have metadata and spec
     * (or both lack them), the same top-level fields and the same status. Cheap: only the small parts are compared;
     * the contract of the rules (PodIdentity edits the owned fields only) covers the rest of the spec.
     */
    private static boolean onlyOwnedFieldsMayDiffer(Pod original, Pod mutated) {
        return (original.getMetadata() == null) == (mutated.getMetadata() == null)
                && (original.getSpec() == null) == (mutated.getSpec() == null)
                && Objects.equals(original.getApiVersion(), mutated.getApiVersion())
                && Objects.equals(original.getKind(), mutated.getKind())
                && Objects.equals(original.getStatus(), mutated.getStatus())
                && Objects.equals(original.getAdditionalProperties(), mutated.getAdditionalProperties());
    }
}
