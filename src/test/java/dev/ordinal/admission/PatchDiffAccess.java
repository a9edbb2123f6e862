package dev.ordinal.admission;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.fabric8.kubernetes.api.model.Pod;

/** {@link PatchDiff} for the measurement in {@code dev.ordinal.bench.MutateCost} (another package). */
public final class PatchDiffAccess {

    private PatchDiffAccess() {}

    public static ArrayNode whole(ObjectMapper mapper, Pod original, Pod mutated) {
        return PatchDiff.whole(mapper, original, mutated);
    }

    public static ArrayNode owned(ObjectMapper mapper, Pod original, Pod mutated) {
        return PatchDiff.diff(mapper, original, mutated);
    }
}
