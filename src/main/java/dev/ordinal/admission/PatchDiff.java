package dev.ordinal.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * RFC 6902 patch from the pod as received to the pod as Ordinal wants it.
 *
 * <p>Ordinal writes only a few fields ({@code PodIdentity.mutate}: name, labels and annotations, hostname,
 * subdomain, volumes and scheduling gates), so the patch is built field by field from those: a label or annotation
 * per key, a string per field, a list element per index (or the whole list when elements were inserted or removed).
 * Values are written by the same mapper as the rest of the review (as josdk-webhooks' DefaultAdmissionRequestMutator
 * does), so they read as the API server would write them. Everything else of the pod must be left as it was
 * ({@link #onlyOwnedFieldsMayDiffer}); when it is not, or a label or annotation value is null, the patch comes from
 * zjsonpatch's diff of the two whole pods ({@link #whole}), which is also the reference {@code PatchDiffTest} holds
 * this to on fuzzed pods. Why not zjsonpatch for the owned fields too: turning them into two JSON trees and diffing
 * them was a fifth of a mutating review's CPU time, most of it encoding each op's path by regular expression
 * (docs/profiles/).
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
        Ops ops = new Ops(mapper);
        ObjectMeta before = original.getMetadata();
        ObjectMeta after = mutated.getMetadata();
        if (before != null) {
            if (!ops.map("/metadata/annotations", before.getAnnotations(), after.getAnnotations())
                    || !ops.map("/metadata/labels", before.getLabels(), after.getLabels())) {
                return whole(mapper, original, mutated);
            }
            ops.string("/metadata/name", before.getName(), after.getName());
        }
        PodSpec was = original.getSpec();
        PodSpec is = mutated.getSpec();
        if (was != null) {
            ops.string("/spec/hostname", was.getHostname(), is.getHostname());
            ops.list("/spec/schedulingGates", was.getSchedulingGates(), is.getSchedulingGates());
            ops.string("/spec/subdomain", was.getSubdomain(), is.getSubdomain());
            ops.list("/spec/volumes", was.getVolumes(), is.getVolumes());
        }
        return ops.patch;
    }

    /** The patch from diffing the two whole pods as JSON trees (the reference {@link #diff} must agree with). */
    static ArrayNode whole(ObjectMapper mapper, Pod original, Pod mutated) {
        JsonNode before = mapper.valueToTree(original);
        JsonNode after = mapper.valueToTree(mutated);
        return (ArrayNode) JsonDiff.asJson(before, after, FLAGS);
    }

    /**
     * The ops of a patch, appended field by field. Empty maps and lists count as absent, as the mapper leaves them out
     * (fabric8's {@code @JsonInclude NON_EMPTY}); a null string is absent, an empty one is a value.
     */
    private static final class Ops {
        final ObjectMapper mapper;
        final ArrayNode patch;

        Ops(ObjectMapper mapper) {
            this.mapper = mapper;
            this.patch = mapper.createArrayNode();
        }

        void string(String path, String before, String after) {
            if (!Objects.equals(before, after)) {
                change(path, before != null, after == null ? null : TextNode.valueOf(after));
            }
        }

        /** False, with nothing appended, when a value is null (the caller then diffs the whole pods). */
        boolean map(String path, Map<String, String> before, Map<String, String> after) {
            // Not Map.of(): its containsValue(null) throws, and a pod may send "annotations": null.
            Map<String, String> was = before == null ? Collections.emptyMap() : before;
            Map<String, String> is = after == null ? Collections.emptyMap() : after;
            if (was.containsValue(null) || is.containsValue(null)) {
                return false;
            }
            if (was.equals(is)) {
                return true;
            }
            if (was.isEmpty() || is.isEmpty()) {
                change(path, !was.isEmpty(), is.isEmpty() ? null : value(is));
                return true;
            }
            for (Map.Entry<String, String> e : is.entrySet()) {
                String old = was.get(e.getKey());
                if (!e.getValue().equals(old)) {
                    change(path + "/" + escape(e.getKey()), old != null, TextNode.valueOf(e.getValue()));
                }
            }
            for (String key : was.keySet()) {
                if (!is.containsKey(key)) {
                    change(path + "/" + escape(key), true, null);
                }
            }
            return true;
        }

        void list(String path, List<?> before, List<?> after) {
            List<?> was = before == null ? List.of() : before;
            List<?> is = after == null ? List.of() : after;
            if (was.equals(is)) {
                return;
            }
            if (was.isEmpty() || is.isEmpty()) {
                change(path, !was.isEmpty(), is.isEmpty() ? null : value(is));
            } else if (was.size() == is.size()) {
                for (int i = 0; i < is.size(); i++) {
                    if (!Objects.equals(was.get(i), is.get(i))) {
                        change(path + "/" + i, true, value(is.get(i)));
                    }
                }
            } else if (was.size() < is.size() && was.equals(is.subList(0, was.size()))) {
                for (int i = was.size(); i < is.size(); i++) {
                    change(path + "/" + i, false, value(is.get(i)));
                }
            } else {
                change(path, true, value(is));
            }
        }

        /**
         * A model value for an op, serialized only when the patch is written (by the same mapper). Not valueToTree:
         * turning a Volume into a tree first, to write the tree afterwards, was a quarter of a volume review's patch.
         */
        private JsonNode value(Object model) {
            return mapper.getNodeFactory().pojoNode(model);
        }

        /** add, replace or remove at {@code path}, by whether a value was there and one is wanted (null: none). */
        private void change(String path, boolean present, JsonNode value) {
            ObjectNode op = patch.addObject();
            op.put("op", value == null ? "remove" : present ? "replace" : "add");
            op.put("path", path);
            if (value != null) {
                op.set("value", value);
            }
        }

        /** A map key as an RFC 6901 reference token. */
        private static String escape(String key) {
            return key.replace("~", "~0").replace("/", "~1");
        }
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
