package dev.ordinal.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import java.util.List;
import java.util.Optional;

/**
 * The conflict-safe JSON Patch (RFC 6902) that lifts one scheduling gate: a {@code test} of the whole
 * {@code /spec/schedulingGates} list as the caller last saw it, then a {@code remove} by index. If anyone changed
 * the list meanwhile the API server rejects the patch (422) instead of removing the wrong entry.
 */
public final class GatePatch {

    /** Thread-safe once configured and never reconfigured: a constant, not mutable state. */
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private GatePatch() {}

    /**
     * The patch removing {@code gate} from a pod whose gates are {@code current} (null means none); empty when the
     * gate is not there, so there is nothing to do.
     */
    public static Optional<String> removal(List<PodSchedulingGate> current, String gate) {
        if (current == null) {
            return Optional.empty();
        }
        int index = -1;
        for (int i = 0; i < current.size(); i++) {
            if (gate.equals(current.get(i).getName())) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            return Optional.empty();
        }
        ArrayNode ops = MAPPER.createArrayNode();
        ObjectNode test = ops.addObject().put("op", "test").put("path", "/spec/schedulingGates");
        ArrayNode value = test.putArray("value");
        for (PodSchedulingGate g : current) {
            // Only "name" exists in the API; writing it alone keeps the test equal to what the server stores.
            value.addObject().put("name", g.getName());
        }
        ops.addObject().put("op", "remove").put("path", "/spec/schedulingGates/" + index);
        return Optional.of(ops.toString());
    }
}
