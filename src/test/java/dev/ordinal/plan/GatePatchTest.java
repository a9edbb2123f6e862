package dev.ordinal.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The gate-lifting JSON Patch: a test of the whole list, then a remove by index. */
class GatePatchTest {

    static final ObjectMapper MAPPER = new ObjectMapper();

    static List<PodSchedulingGate> gates(String... names) {
        return Stream.of(names).map(PodSchedulingGate::new).toList();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("only gate", gates("ordinal.dev/ordered"), "ordinal.dev/ordered", List.of()),
                Arguments.of(
                        "first of two",
                        gates("ordinal.dev/claims", "ordinal.dev/ordered"),
                        "ordinal.dev/claims",
                        List.of("ordinal.dev/ordered")),
                Arguments.of(
                        "between a user's gates",
                        gates("example.com/a", "ordinal.dev/ordered", "example.com/b"),
                        "ordinal.dev/ordered",
                        List.of("example.com/a", "example.com/b")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void removesExactlyTheGate(String name, List<PodSchedulingGate> current, String gate, List<String> want) {
        String patch = GatePatch.removal(current, gate).orElseThrow();
        JsonNode pod = MAPPER.valueToTree(java.util.Map.of("spec", java.util.Map.of("schedulingGates", current)));
        JsonNode after = JsonPatch.apply(read(patch), pod);
        List<String> got = new java.util.ArrayList<>();
        after.path("spec")
                .path("schedulingGates")
                .forEach(g -> got.add(g.path("name").asText()));
        assertThat(got).as("got %s, want %s", got, want).isEqualTo(want);
        assertThat(read(patch).get(0).path("op").asText()).isEqualTo("test");
    }

    @Test
    void failsInsteadOfRemovingTheWrongEntryWhenTheListChanged() {
        String patch = GatePatch.removal(gates("ordinal.dev/claims", "ordinal.dev/ordered"), "ordinal.dev/ordered")
                .orElseThrow();
        // Someone lifted the claims gate meanwhile: index 1 no longer exists / names another gate.
        JsonNode changed = MAPPER.valueToTree(
                java.util.Map.of("spec", java.util.Map.of("schedulingGates", gates("ordinal.dev/ordered"))));
        assertThatThrownBy(() -> JsonPatch.apply(read(patch), changed)).isInstanceOf(JsonPatchException.class);
    }

    @Test
    void nothingToDoWhenTheGateIsAbsent() {
        assertThat(GatePatch.removal(null, "ordinal.dev/ordered")).isEmpty();
        assertThat(GatePatch.removal(gates("example.com/a"), "ordinal.dev/ordered"))
                .isEmpty();
    }

    private static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
