package dev.ordinal.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code ordinal.dev/claim-templates} annotation: encoding, strict parsing and limits. */
class ClaimTemplatesTest {

    @Test
    void roundTripsTemplates() {
        Map<String, PersistentVolumeClaimTemplate> want =
                Map.of("data", PodFixtures.template("data"), "logs", PodFixtures.template("logs"));
        String json = ClaimTemplates.encode(want);
        Parsed<Map<String, PersistentVolumeClaimTemplate>> got = ClaimTemplates.parse(json);
        assertThat(got).as("parse(encode(x)): got %s, want Valid(x)", got).isEqualTo(new Parsed.Valid<>(want));
        String again = ClaimTemplates.encode(got.valid().orElseThrow());
        assertThat(again)
                .as("encode(parse(json)): got %s, want the same string %s", again, json)
                .isEqualTo(json);
    }

    @Test
    void encodesKeysSortedSoEqualMapsGiveEqualStrings() {
        Map<String, PersistentVolumeClaimTemplate> zFirst = new LinkedHashMap<>();
        zFirst.put("zeta", PodFixtures.template("zeta"));
        zFirst.put("alpha", PodFixtures.template("alpha"));
        Map<String, PersistentVolumeClaimTemplate> aFirst = new LinkedHashMap<>();
        aFirst.put("alpha", PodFixtures.template("alpha"));
        aFirst.put("zeta", PodFixtures.template("zeta"));
        String got = ClaimTemplates.encode(zFirst);
        assertThat(got).as("encode: got %s, want alpha before zeta", got).startsWith("{\"alpha\":");
        assertThat(got)
                .as("encode of equal maps: got %s, want %s", got, ClaimTemplates.encode(aFirst))
                .isEqualTo(ClaimTemplates.encode(aFirst));
        Map<String, PersistentVolumeClaimTemplate> parsed =
                ClaimTemplates.parse(got).valid().orElseThrow();
        assertThat(parsed.keySet())
                .as("parsed keys: got %s, want sorted", parsed.keySet())
                .containsExactly("alpha", "zeta");
    }

    @Test
    void anEncodingIsRememberedByValueAndAChangedTemplateIsEncodedAgain() {
        PersistentVolumeClaimTemplate template = PodFixtures.template("memo");
        Map<String, PersistentVolumeClaimTemplate> templates = Map.of("memo", template);
        String first = ClaimTemplates.encode(templates);
        assertThat(ClaimTemplates.remembers(Map.of("memo", PodFixtures.template("memo"))))
                .as("an equal map, other objects: remembered")
                .isTrue();
        assertThat(ClaimTemplates.encode(Map.of("memo", PodFixtures.template("memo"))))
                .isEqualTo(first);

        template.getSpec().setStorageClassName("changed-after-encoding");
        String changed = ClaimTemplates.encode(templates);
        assertThat(changed)
                .as("the caller's object changed after it was encoded: the memo must not answer for it")
                .contains("changed-after-encoding")
                .isNotEqualTo(first);
        assertThat(ClaimTemplates.encode(Map.of("memo", PodFixtures.template("memo"))))
                .as("the first encoding is still the one of the unchanged template")
                .isEqualTo(first);
    }

    static Stream<Arguments> empty() {
        return Stream.of(
                argumentSet("null", (Object) null),
                argumentSet("empty", ""),
                argumentSet("blank", "  \n"),
                argumentSet("empty object", "{}"));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("empty")
    void treatsNoValueAsNoTemplates(String json) {
        Parsed<Map<String, PersistentVolumeClaimTemplate>> got = ClaimTemplates.parse(json);
        assertThat(got).as("parse(%s): got %s, want Valid(empty)", json, got).isEqualTo(new Parsed.Valid<>(Map.of()));
        assertThat(ClaimTemplates.problemOf(json)).isEmpty();
    }

    @Test
    void keepsFieldsTheModelDoesNotKnow() {
        String json = "{\"data\":{\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"futureField\":7}}}";
        Parsed<Map<String, PersistentVolumeClaimTemplate>> got = ClaimTemplates.parse(json);
        assertThat(got).as("parse: got %s, want Valid", got).isInstanceOf(Parsed.Valid.class);
        String again = ClaimTemplates.encode(got.valid().orElseThrow());
        assertThat(again).as("re-encoded: got %s, want futureField kept", again).contains("\"futureField\":7");
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                argumentSet("not JSON", "{data", "is not a JSON object from volume name"),
                argumentSet("array", "[]", "is not a JSON object from volume name"),
                argumentSet("number", "42", "is not a JSON object from volume name"),
                argumentSet("string", "\"data\"", "is not a JSON object from volume name"),
                argumentSet("template not an object", "{\"data\": 3}", "is not a JSON object from volume name"),
                argumentSet("trailing garbage", "{\"data\":{\"spec\":{}}} x", "is not a JSON object from volume name"),
                argumentSet("JSON null", "null", "not null"),
                argumentSet("key not a DNS label", "{\"Data\":{\"spec\":{}}}", "key \"Data\" is not a volume name"),
                argumentSet("empty key", "{\"\":{\"spec\":{}}}", "key \"\" is not a volume name"),
                argumentSet(
                        "template without spec",
                        "{\"data\":{\"metadata\":{}}}",
                        "template for volume \"data\" has no spec"),
                argumentSet("template null", "{\"data\":null}", "template for volume \"data\" has no spec"));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("invalid")
    void rejectsAnInvalidValue(String json, String wantReason) {
        Parsed<Map<String, PersistentVolumeClaimTemplate>> got = ClaimTemplates.parse(json);
        assertThat(got).as("parse(%s): got %s, want Invalid", json, got).isInstanceOf(Parsed.Invalid.class);
        String reason = ((Parsed.Invalid<?>) got).reason();
        assertThat(reason)
                .as("reason: got %s, want it to contain %s", reason, wantReason)
                .contains(wantReason);
        assertThat(ClaimTemplates.problemOf(json)).as("problemOf, first").contains(reason);
        assertThat(ClaimTemplates.problemOf(json)).as("problemOf, remembered").contains(reason);
    }

    @Test
    void problemOfRemembersValuesUpToItsLimitAndAnswersLikeParse() {
        String valid = "{\"data\":{\"spec\":{\"accessModes\":[\"ReadWriteOnce\"]}}}";
        assertThat(ClaimTemplates.problemOf(valid)).isEmpty();
        assertThat(ClaimTemplates.remembersProblemOf(valid)).isTrue();
        assertThat(ClaimTemplates.problemOf(valid)).isEmpty();

        String padded = valid + " ".repeat(ClaimTemplates.REMEMBERED_MAX_CHARS);
        assertThat(ClaimTemplates.problemOf(padded)).isEmpty();
        assertThat(ClaimTemplates.remembersProblemOf(padded))
                .as("over the memo's limit")
                .isFalse();

        String oversized = valid + " ".repeat(ClaimTemplates.MAX_ANNOTATION_CHARS);
        assertThat(ClaimTemplates.problemOf(oversized))
                .get()
                .asString()
                .contains(Integer.toString(ClaimTemplates.MAX_ANNOTATION_CHARS));
    }

    @Test
    void rejectsAnOversizedValueBeforeParsingIt() {
        // Valid JSON padded with whitespace past the limit: the size alone must reject it.
        String json = "{\"data\":{\"spec\":{}}}" + " ".repeat(ClaimTemplates.MAX_ANNOTATION_CHARS);
        Parsed<Map<String, PersistentVolumeClaimTemplate>> got = ClaimTemplates.parse(json);
        assertThat(got).as("parse(oversized): got %s, want Invalid", got).isInstanceOf(Parsed.Invalid.class);
        assertThat(((Parsed.Invalid<?>) got).reason())
                .as("reason names the limit")
                .contains(Integer.toString(ClaimTemplates.MAX_ANNOTATION_CHARS));
    }

    @Test
    void parsedTemplatesCannotBeChanged() {
        Map<String, PersistentVolumeClaimTemplate> got = ClaimTemplates.parse(
                        ClaimTemplates.encode(Map.of("data", PodFixtures.template("data"))))
                .valid()
                .orElseThrow();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> got.put("x", PodFixtures.template("x")))
                .as("templates map: got a mutable map, want unmodifiable")
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
