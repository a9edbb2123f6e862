package dev.ordinal.identity;

import static dev.ordinal.identity.OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.CREATE_SERVICE_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.EPHEMERAL_VOLUMES_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.MIN_READY_SECONDS_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.ORDERING_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.POLICY_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.SERVICE_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.SET_LABEL;
import static dev.ordinal.identity.OrdinalKeys.START_ORDINAL_ANNOTATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.ordinal.support.PodFixtures;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Parsing and validating the set label and the {@code ordinal.dev/*} setting annotations. */
class SettingsParserTest {

    private static SetSettings valid(String set, Map<String, String> annotations) {
        SettingsParser.Result got = SettingsParser.parse(set, annotations);
        assertThat(got)
                .as("parse(%s, %s): got %s, want Valid", set, annotations, got)
                .isInstanceOf(SettingsParser.Result.Valid.class);
        SetSettings settings = ((SettingsParser.Result.Valid) got).settings();
        assertThat(SettingsParser.settings(set, annotations))
                .as("settings(%s, %s), as Member reads them", set, annotations)
                .contains(settings);
        return settings;
    }

    private static List<String> problems(String set, Map<String, String> annotations) {
        SettingsParser.Result got = SettingsParser.parse(set, annotations);
        assertThat(got)
                .as("parse(%s, %s): got %s, want Invalid", set, annotations, got)
                .isInstanceOf(SettingsParser.Result.Invalid.class);
        assertThat(SettingsParser.settings(set, annotations))
                .as("settings(%s, %s), as Member reads them", set, annotations)
                .isEmpty();
        return ((SettingsParser.Result.Invalid) got).problems();
    }

    @Test
    void defaultsMatchTheSpecTable() {
        SetSettings got = valid("web", Map.of());
        SetSettings want = new SetSettings(
                "web",
                "web",
                SetSettings.PodManagementPolicy.OrderedReady,
                SetSettings.Ordering.gate,
                0,
                new TreeSet<>(),
                true,
                0,
                ReservedOrdinals.NONE,
                ClaimRetention.RETAIN);
        assertThat(got).as("defaults: got %s, want %s", got, want).isEqualTo(want);
        assertThat(got.gated())
                .as("default is gated: got %s, want true", got.gated())
                .isTrue();
        assertThat(got.denyOrdering())
                .as("default denyOrdering: got %s, want false", got.denyOrdering())
                .isFalse();
    }

    @Test
    void treatsNullAnnotationsAsNone() {
        SetSettings got = valid("web", null);
        assertThat(got).as("null annotations: got %s, want the defaults", got).isEqualTo(valid("web", Map.of()));
    }

    @Test
    void ignoresAnnotationsOutsideOrdinalsPrefix() {
        SetSettings got = valid("web", Map.of("example.com/owner", "team-a", "ordinal.dev.example.com/x", "y"));
        assertThat(got)
                .as("foreign annotations: got %s, want the defaults", got)
                .isEqualTo(valid("web", Map.of()));
    }

    static Stream<Arguments> validValues() {
        return Stream.of(
                argumentSet(
                        "service",
                        SERVICE_ANNOTATION,
                        "nginx",
                        (Function<SetSettings, Object>) SetSettings::service,
                        "nginx"),
                argumentSet(
                        "service of 63 characters",
                        SERVICE_ANNOTATION,
                        "s".repeat(63),
                        (Function<SetSettings, Object>) SetSettings::service,
                        "s".repeat(63)),
                argumentSet(
                        "policy Parallel",
                        POLICY_ANNOTATION,
                        "Parallel",
                        (Function<SetSettings, Object>) SetSettings::policy,
                        SetSettings.PodManagementPolicy.Parallel),
                argumentSet(
                        "policy OrderedReady",
                        POLICY_ANNOTATION,
                        "OrderedReady",
                        (Function<SetSettings, Object>) SetSettings::policy,
                        SetSettings.PodManagementPolicy.OrderedReady),
                argumentSet(
                        "ordering deny",
                        ORDERING_ANNOTATION,
                        "deny",
                        (Function<SetSettings, Object>) SetSettings::ordering,
                        SetSettings.Ordering.deny),
                argumentSet(
                        "ordering gate",
                        ORDERING_ANNOTATION,
                        "gate",
                        (Function<SetSettings, Object>) SetSettings::ordering,
                        SetSettings.Ordering.gate),
                argumentSet(
                        "start-ordinal 0",
                        START_ORDINAL_ANNOTATION,
                        "0",
                        (Function<SetSettings, Object>) SetSettings::startOrdinal,
                        0),
                argumentSet(
                        "start-ordinal 5",
                        START_ORDINAL_ANNOTATION,
                        "5",
                        (Function<SetSettings, Object>) SetSettings::startOrdinal,
                        5),
                argumentSet(
                        "start-ordinal at its maximum",
                        START_ORDINAL_ANNOTATION,
                        "1000000000",
                        (Function<SetSettings, Object>) SetSettings::startOrdinal,
                        1_000_000_000),
                argumentSet(
                        "min-ready-seconds 0",
                        MIN_READY_SECONDS_ANNOTATION,
                        "0",
                        (Function<SetSettings, Object>) SetSettings::minReadySeconds,
                        0),
                argumentSet(
                        "min-ready-seconds 30",
                        MIN_READY_SECONDS_ANNOTATION,
                        "30",
                        (Function<SetSettings, Object>) SetSettings::minReadySeconds,
                        30),
                argumentSet(
                        "min-ready-seconds one day",
                        MIN_READY_SECONDS_ANNOTATION,
                        "86400",
                        (Function<SetSettings, Object>) SetSettings::minReadySeconds,
                        86_400),
                argumentSet(
                        "create-service false",
                        CREATE_SERVICE_ANNOTATION,
                        "false",
                        (Function<SetSettings, Object>) SetSettings::createService,
                        false),
                argumentSet(
                        "create-service true",
                        CREATE_SERVICE_ANNOTATION,
                        "true",
                        (Function<SetSettings, Object>) SetSettings::createService,
                        true),
                argumentSet(
                        "ephemeral-volumes one",
                        EPHEMERAL_VOLUMES_ANNOTATION,
                        "scratch",
                        (Function<SetSettings, Object>) SetSettings::ephemeralVolumes,
                        new TreeSet<>(List.of("scratch"))),
                argumentSet(
                        "ephemeral-volumes with spaces, sorted",
                        EPHEMERAL_VOLUMES_ANNOTATION,
                        " tmp , scratch ",
                        (Function<SetSettings, Object>) SetSettings::ephemeralVolumes,
                        new TreeSet<>(List.of("scratch", "tmp"))),
                argumentSet(
                        "ephemeral-volumes with a duplicate",
                        EPHEMERAL_VOLUMES_ANNOTATION,
                        "tmp,scratch,tmp",
                        (Function<SetSettings, Object>) SetSettings::ephemeralVolumes,
                        new TreeSet<>(List.of("scratch", "tmp"))),
                argumentSet(
                        "claim-templates written by Ordinal",
                        CLAIM_TEMPLATES_ANNOTATION,
                        ClaimTemplates.encode(Map.of("data", PodFixtures.template("data"))),
                        (Function<SetSettings, Object>) SetSettings::service,
                        "web"));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("validValues")
    void acceptsAValidValue(String annotation, String value, Function<SetSettings, Object> field, Object want) {
        SetSettings settings = valid("web", Map.of(annotation, value));
        Object got = field.apply(settings);
        assertThat(got)
                .as("%s=%s: got %s, want %s", annotation, value, got, want)
                .isEqualTo(want);
    }

    static Stream<Arguments> invalidValues() {
        String enumPolicy = "allowed values: OrderedReady, Parallel";
        String enumOrdering = "allowed values: gate, deny";
        String startRange = "a decimal integer from 0 to 1000000000";
        String minReadyRange = "a decimal integer from 0 to 86400";
        String bool = "allowed values: true, false";
        String service = "a DNS-1035 label";
        String volumes = "a comma-separated list of volume names";
        return Stream.of(
                argumentSet("policy lowercase", POLICY_ANNOTATION, "orderedready", enumPolicy),
                argumentSet("policy empty", POLICY_ANNOTATION, "", enumPolicy),
                argumentSet("policy with a space", POLICY_ANNOTATION, "Parallel ", enumPolicy),
                argumentSet("ordering uppercase", ORDERING_ANNOTATION, "Gate", enumOrdering),
                argumentSet("ordering unknown", ORDERING_ANNOTATION, "wait", enumOrdering),
                argumentSet("start-ordinal negative", START_ORDINAL_ANNOTATION, "-1", startRange),
                argumentSet("start-ordinal leading zero", START_ORDINAL_ANNOTATION, "01", startRange),
                argumentSet("start-ordinal above its maximum", START_ORDINAL_ANNOTATION, "1000000001", startRange),
                argumentSet("start-ordinal overflowing an int", START_ORDINAL_ANNOTATION, "4294967296", startRange),
                argumentSet("start-ordinal not a number", START_ORDINAL_ANNOTATION, "abc", startRange),
                argumentSet("start-ordinal with a plus sign", START_ORDINAL_ANNOTATION, "+3", startRange),
                argumentSet("start-ordinal empty", START_ORDINAL_ANNOTATION, "", startRange),
                argumentSet("start-ordinal with a space", START_ORDINAL_ANNOTATION, " 3", startRange),
                argumentSet("min-ready-seconds negative", MIN_READY_SECONDS_ANNOTATION, "-5", minReadyRange),
                argumentSet("min-ready-seconds above one day", MIN_READY_SECONDS_ANNOTATION, "86401", minReadyRange),
                argumentSet("min-ready-seconds a duration", MIN_READY_SECONDS_ANNOTATION, "30s", minReadyRange),
                argumentSet("create-service yes", CREATE_SERVICE_ANNOTATION, "yes", bool),
                argumentSet("create-service capitalized", CREATE_SERVICE_ANNOTATION, "True", bool),
                argumentSet("service uppercase", SERVICE_ANNOTATION, "Nginx", service),
                argumentSet("service starting with a digit", SERVICE_ANNOTATION, "1nginx", service),
                argumentSet("service of 64 characters", SERVICE_ANNOTATION, "s".repeat(64), service),
                argumentSet("service empty", SERVICE_ANNOTATION, "", service),
                argumentSet(
                        "ephemeral-volumes empty entry in the middle",
                        EPHEMERAL_VOLUMES_ANNOTATION,
                        "tmp,,scratch",
                        volumes),
                argumentSet("ephemeral-volumes trailing comma", EPHEMERAL_VOLUMES_ANNOTATION, "tmp,", volumes),
                argumentSet("ephemeral-volumes blank entry", EPHEMERAL_VOLUMES_ANNOTATION, "tmp, ,scratch", volumes),
                argumentSet("ephemeral-volumes uppercase name", EPHEMERAL_VOLUMES_ANNOTATION, "Tmp", volumes),
                argumentSet(
                        "ephemeral-volumes separated by semicolons",
                        EPHEMERAL_VOLUMES_ANNOTATION,
                        "tmp;scratch",
                        volumes));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("invalidValues")
    void deniesABadValueNamingAnnotationValueAndWhatIsAllowed(String annotation, String value, String allowed) {
        List<String> got = problems("web", Map.of(annotation, value));
        assertThat(got)
                .as("problems for %s=%s: got %s, want exactly one", annotation, value, got)
                .hasSize(1);
        String message = got.get(0);
        assertThat(message)
                .as("message: got %s, want it to name annotation %s", message, annotation)
                .contains("annotation " + annotation);
        assertThat(message)
                .as("message: got %s, want it to quote the value \"%s\"", message, value)
                .contains('"' + value + '"');
        assertThat(message)
                .as("message: got %s, want it to say what is allowed: %s", message, allowed)
                .contains(allowed);
    }

    @Test
    void deniesAnUnknownOrdinalAnnotationAndListsTheKnownOnes() {
        List<String> got = problems("web", Map.of("ordinal.dev/typo", "x"));
        assertThat(got).as("problems: got %s, want one", got).hasSize(1);
        assertThat(got.get(0))
                .as("message: got %s, want it to name the annotation", got.get(0))
                .contains("ordinal.dev/typo")
                .contains("is not an Ordinal setting");
        for (String known : OrdinalKeys.SETTING_ANNOTATIONS) {
            assertThat(got.get(0))
                    .as("message: got %s, want it to list known annotation %s", got.get(0), known)
                    .contains(known);
        }
    }

    @Test
    void deniesAMisspelledAnnotationEvenWhenTheRestIsValid() {
        // "ordering" misspelled: silently using the default would surprise the user.
        List<String> got = problems("web", Map.of(ORDERING_ANNOTATION, "deny", "ordinal.dev/oredring", "gate"));
        assertThat(got)
                .as("problems: got %s, want the misspelling only", got)
                .singleElement()
                .asString()
                .contains("ordinal.dev/oredring");
    }

    @Test
    void reportsEveryProblemNotJustTheFirst() {
        List<String> got = problems(
                "web",
                Map.of(
                        POLICY_ANNOTATION,
                        "x",
                        ORDERING_ANNOTATION,
                        "y",
                        START_ORDINAL_ANNOTATION,
                        "z",
                        CREATE_SERVICE_ANNOTATION,
                        "maybe"));
        assertThat(got).as("problems: got %s, want 4", got).hasSize(4);
    }

    static Stream<Arguments> badSetNames() {
        return Stream.of(
                argumentSet("uppercase", "Web", "\"Web\""),
                argumentSet("underscore", "my_db", "\"my_db\""),
                argumentSet("leading dash", "-web", "\"-web\""),
                argumentSet("trailing dash", "web-", "\"web-\""),
                argumentSet("62 characters, too long for S-0", "s".repeat(62), "at most 61 characters"),
                argumentSet("empty", "", "must not be empty"));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("badSetNames")
    void deniesASetLabelThatCannotNamePods(String set, String wantFragment) {
        List<String> got = SettingsParser.setNameProblems(set);
        assertThat(got)
                .as("setNameProblems(%s): got %s, want one problem", set, got)
                .hasSize(1);
        assertThat(got.get(0))
                .as("message: got %s, want it to name label %s", got.get(0), SET_LABEL)
                .contains("label " + SET_LABEL);
        assertThat(got.get(0))
                .as("message: got %s, want it to contain %s", got.get(0), wantFragment)
                .contains(wantFragment);
        List<String> parsed = problems(set, Map.of(SERVICE_ANNOTATION, "svc"));
        assertThat(parsed)
                .as("parse(%s): got %s, want the set-name problem", set, parsed)
                .contains(got.get(0));
    }

    @Test
    void accepts61CharacterSetName() {
        String set = "s".repeat(61);
        assertThat(SettingsParser.setNameProblems(set))
                .as("61 characters: got problems, want none")
                .isEmpty();
        String service = valid(set, Map.of()).service();
        assertThat(service)
                .as("default service: got %s, want the set name", service)
                .isEqualTo(set);
    }

    @Test
    void requiresAServiceAnnotationWhenTheSetNameIsNotAServiceName() {
        // "1web" is a fine DNS-1123 label (pods 1web-0, …) but a Service name must start with a letter.
        List<String> got = problems("1web", Map.of());
        assertThat(got).as("problems: got %s, want one", got).hasSize(1);
        assertThat(got.get(0))
                .as("message: got %s, want it to name the annotation and the set", got.get(0))
                .contains(SERVICE_ANNOTATION)
                .contains("is required")
                .contains("\"1web\"")
                .contains("DNS-1035");
        SetSettings fixed = valid("1web", Map.of(SERVICE_ANNOTATION, "web"));
        assertThat(fixed.service())
                .as("service: got %s, want web", fixed.service())
                .isEqualTo("web");
    }

    @Test
    void deniesAnInvalidClaimTemplatesAnnotation() {
        List<String> got = problems("web", Map.of(CLAIM_TEMPLATES_ANNOTATION, "{not json"));
        assertThat(got)
                .as("problems: got %s, want one naming %s", got, CLAIM_TEMPLATES_ANNOTATION)
                .singleElement()
                .asString()
                .startsWith("annotation " + CLAIM_TEMPLATES_ANNOTATION + ": ");
    }

    @Test
    void cutsAHostileValueInTheMessage() {
        String huge = "x".repeat(100_000);
        List<String> got = problems("web", Map.of(POLICY_ANNOTATION, huge));
        assertThat(got.get(0).length())
                .as("message length: got %d, want under 400", got.get(0).length())
                .isLessThan(400);
        assertThat(got.get(0))
                .as("message: got %s, want it to give the real length", got.get(0))
                .contains("(100000 chars)");
    }
}
