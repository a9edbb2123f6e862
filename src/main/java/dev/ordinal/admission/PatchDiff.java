package dev.ordinal.admission;

import java.util.EnumSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;

/**
 * RFC 6902 patch from the pod as received to the pod as Ordinal wants it. Both sides go through the same mapper
 * (as josdk-webhooks' DefaultAdmissionRequestMutator does), so the patch holds only Ordinal's edits and fields the
 * model does not know survive untouched (they ride in {@code additionalProperties} on both sides).
 */
final class PatchDiff {

    // Plain add/remove/replace ops are easier to read in audit logs than move/copy.
    private static final EnumSet<DiffFlags> FLAGS = EnumSet.of(DiffFlags.OMIT_MOVE_OPERATION,
            DiffFlags.OMIT_COPY_OPERATION);

    private PatchDiff() {
    }

    /** The patch taking {@code original} to {@code mutated}; empty when they serialize the same. */
    static ArrayNode diff(ObjectMapper mapper, Pod original, Pod mutated) {
        JsonNode before = mapper.valueToTree(original);
        JsonNode after = mapper.valueToTree(mutated);
        return (ArrayNode) JsonDiff.asJson(before, after, FLAGS);
    }
}
