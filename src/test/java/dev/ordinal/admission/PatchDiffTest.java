package dev.ordinal.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.ordinal.identity.CreateRules;
import dev.ordinal.identity.Decision;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.identity.PodIdentity;
import dev.ordinal.identity.SetSnapshot;
import dev.ordinal.support.AdmissionClient;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.zjsonpatch.JsonPatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The patch built from the fields Ordinal owns does what the whole-pod diff (zjsonpatch) does, for every pod the
 * mutating rule patches: fuzzed reviews ({@link ReviewFuzzer}) and hand-made pods with labels, annotations, gates and
 * volumes of their own. Applied to the pod as received, it gives the mutated pod; it touches only owned fields; it is
 * empty exactly when the whole-pod diff is.
 */
class PatchDiffTest {

    static final ObjectMapper MAPPER = AdmissionClient.MAPPER;

    /** Where a patch of Ordinal's may write. */
    static final String OWNED_PATH =
            "/metadata/(name|labels|annotations)(/.*)?|/spec/(hostname|subdomain|schedulingGates|volumes)(/.*)?";

    @Test
    void ownedFieldPatchEqualsWholePodDiffOnFuzzedPods() throws Exception {
        ReviewFuzzer fuzzer = new ReviewFuzzer(14);
        Random random = new Random(14);
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < 4_000; i++) {
            JsonNode object;
            try {
                object = MAPPER.readTree(fuzzer.next(i).body()).path("request").path("object");
            } catch (Exception e) {
                continue; // not JSON: never reaches the rules
            }
            if (!object.isObject() || ReviewCodec.nullElement(object, "o") != null) {
                continue;
            }
            try {
                Pod pod = MAPPER.treeToValue(object, Pod.class);
                if (pod.getMetadata() != null) {
                    pods.add(pod);
                }
            } catch (Exception e) {
                // not a Pod: refused by the codec before the rules
            }
        }
        pods.add(PodFixtures.member("web").build());
        pods.add(PodFixtures.member("web")
                .ephemeralVolume("data")
                .ephemeralVolume("logs")
                .label("team", "a")
                .annotation("example.com/x", "y")
                .gate("example.com/other")
                .build());
        pods.add(PodFixtures.member("web")
                .annotation(OrdinalKeys.ORDERING_ANNOTATION, "gate")
                .ephemeralVolume("data")
                .build());
        Pod nullAnnotations = PodFixtures.member("web").build();
        nullAnnotations.getMetadata().setAnnotations(null); // "annotations": null in the request
        pods.add(nullAnnotations);
        pods.add(PodFixtures.member("web")
                .named("web-3")
                .hostname("web-3", "web")
                .build());

        int patched = 0;
        for (Pod pod : pods) {
            CreateRules.Prepared prepared = CreateRules.prepare(pod);
            if (!(prepared instanceof CreateRules.Prepared.Member member)) {
                continue;
            }
            int n = member.named() ? member.ordinal() : member.settings().startOrdinal() + random.nextInt(3);
            Decision decision = PodIdentity.mutate(
                    pod, member, n, SetSnapshot.empty("fuzz", member.set()), claim -> random.nextBoolean());
            if (!(decision instanceof Decision.Allow allow) || allow.mutated() == null) {
                continue;
            }
            JsonNode before = MAPPER.valueToTree(pod);
            // As written in the answer: its ops may hold model values that only the writer turns into JSON.
            ArrayNode owned =
                    (ArrayNode) MAPPER.readTree(MAPPER.writeValueAsBytes(PatchDiff.diff(MAPPER, pod, allow.mutated())));
            ArrayNode whole = PatchDiff.whole(MAPPER, pod, allow.mutated());
            assertThat(JsonPatch.apply(owned, before))
                    .as("%s applied to %s", owned, before)
                    .isEqualTo(MAPPER.valueToTree(allow.mutated()))
                    .isEqualTo(JsonPatch.apply(whole, before));
            assertThat(owned.isEmpty()).as("%s empty, like %s", owned, whole).isEqualTo(whole.isEmpty());
            for (JsonNode op : owned) {
                assertThat(op.path("path").asText())
                        .as("op %s of the patch of %s", op, before)
                        .matches(OWNED_PATH);
            }
            if (!owned.isEmpty()) {
                patched++;
            }
        }
        assertThat(patched)
                .as("pods the rule patched (else this test proves nothing)")
                .isGreaterThan(200);
    }
}
