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
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplateBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The CREATE rules: preparing a member request, validating it against the set, deny-mode ordering, warnings. */
class CreateRulesTest {

    private static final ServiceFacts GOOD_SERVICE = new ServiceFacts(true, true, true);
    private static final String SET61 = "s".repeat(61);

    /** A generic ephemeral volume with {@link PodFixtures#template} changed by {@code edit}. */
    private static Volume ephemeral(String name, Consumer<PersistentVolumeClaimTemplate> edit) {
        PersistentVolumeClaimTemplate t = PodFixtures.template(name);
        edit.accept(t);
        return PodFixtures.ephemeralVolumeOf(name, t);
    }

    /** A volume that mounts PVC {@code claim}. */
    private static Volume claimVolume(String name, String claim) {
        return new VolumeBuilder()
                .withName(name)
                .withNewPersistentVolumeClaim(claim, false)
                .build();
    }

    private static String templates(String... volumes) {
        Map<String, PersistentVolumeClaimTemplate> map = new java.util.TreeMap<>();
        for (String v : volumes) {
            map.put(v, PodFixtures.template(v));
        }
        return ClaimTemplates.encode(map);
    }

    private static CreateRules.Prepared.Member member(Pod pod) {
        CreateRules.Prepared got = CreateRules.prepare(pod);
        assertThat(got).as("prepare: got %s, want Member", got).isInstanceOf(CreateRules.Prepared.Member.class);
        return (CreateRules.Prepared.Member) got;
    }

    private static Decision validate(PodFixtures fixture, List<Member> members, ServiceFacts service) {
        Pod pod = fixture.build();
        return CreateRules.validate(pod, member(pod), SetSnapshot.of("default", "web", members), service);
    }

    private static Decision.Deny denied(Decision got, int code) {
        assertThat(got).as("decision: got %s, want Deny %d", got, code).isInstanceOf(Decision.Deny.class);
        Decision.Deny deny = (Decision.Deny) got;
        assertThat(deny.code())
                .as("code: got %d, want %d (%s)", deny.code(), code, deny.message())
                .isEqualTo(code);
        return deny;
    }

    private static Decision.Allow allowed(Decision got) {
        assertThat(got).as("decision: got %s, want Allow", got).isInstanceOf(Decision.Allow.class);
        Decision.Allow allow = (Decision.Allow) got;
        assertThat(allow.mutated())
                .as("validate must not mutate: got %s", allow.mutated())
                .isNull();
        return allow;
    }

    @Test
    void ignoresAPodWithoutTheSetLabel() {
        CreateRules.Prepared got =
                CreateRules.prepare(PodFixtures.outsider("nginx-7d9f").build());
        assertThat(got).as("prepare: got %s, want NotMember", got).isEqualTo(new CreateRules.Prepared.NotMember());
    }

    static Stream<Arguments> rejected() {
        return Stream.of(
                argumentSet(
                        "leading zero",
                        PodFixtures.pod("web", "web-01"),
                        403,
                        List.of("metadata.name \"web-01\"", "leading zero", "\"web-<n>\" with n >= 0")),
                argumentSet(
                        "name of another set",
                        PodFixtures.pod("web", "api-1"),
                        403,
                        List.of("\"api-1\"", "does not start with \"web-\"", "generateName")),
                argumentSet(
                        "name without ordinal", PodFixtures.pod("web", "web"), 403, List.of("\"web\"", "\"web-<n>\"")),
                argumentSet(
                        "ordinal overflowing an int",
                        PodFixtures.pod("web", "web-2147483648"),
                        403,
                        List.of("overflows")),
                argumentSet(
                        "ordinal below start",
                        PodFixtures.pod("web", 3).annotation(START_ORDINAL_ANNOTATION, "5"),
                        403,
                        List.of("has ordinal 3", "below " + START_ORDINAL_ANNOTATION + " 5", "n >= 5")),
                argumentSet(
                        "bad annotation value",
                        PodFixtures.pod("web", 0).annotation(POLICY_ANNOTATION, "sometimes"),
                        403,
                        List.of(POLICY_ANNOTATION, "\"sometimes\"", "OrderedReady, Parallel")),
                argumentSet(
                        "two bad annotations, both reported",
                        PodFixtures.pod("web", 0)
                                .annotation(POLICY_ANNOTATION, "x")
                                .annotation(ORDERING_ANNOTATION, "y"),
                        403,
                        List.of(POLICY_ANNOTATION, ORDERING_ANNOTATION, "; ")),
                argumentSet(
                        "unknown annotation",
                        PodFixtures.unnamed("web").annotation("ordinal.dev/typo", "1"),
                        403,
                        List.of("ordinal.dev/typo")),
                argumentSet(
                        "bad set label",
                        PodFixtures.pod("Web", "Web-0"),
                        403,
                        List.of("label " + SET_LABEL, "\"Web\"")),
                argumentSet(
                        "empty set label",
                        PodFixtures.unnamed(""),
                        403,
                        List.of("label " + SET_LABEL, "must not be empty")),
                argumentSet(
                        "ephemeral-volumes names an emptyDir",
                        PodFixtures.unnamed("web")
                                .annotation(EPHEMERAL_VOLUMES_ANNOTATION, "cache")
                                .emptyDir("cache")
                                .ephemeralVolume("data"),
                        403,
                        List.of(
                                EPHEMERAL_VOLUMES_ANNOTATION,
                                "\"cache\" is not a generic ephemeral volume",
                                "allowed: data")),
                argumentSet(
                        "ephemeral-volumes names a missing volume",
                        PodFixtures.unnamed("web").annotation(EPHEMERAL_VOLUMES_ANNOTATION, "scratch"),
                        403,
                        List.of(
                                EPHEMERAL_VOLUMES_ANNOTATION,
                                "\"scratch\"",
                                "none (the pod has no volumes[].ephemeral)")),
                // Invalid for the API server too, but it validates only after mutation, when the volume is a PVC.
                argumentSet(
                        "ephemeral volume without a claim template",
                        PodFixtures.unnamed("web").volume(PodFixtures.ephemeralVolumeOf("data", null)),
                        403,
                        List.of("volume \"data\"", "volumeClaimTemplate")),
                argumentSet(
                        "ephemeral volume with a template without spec",
                        PodFixtures.unnamed("web")
                                .volume(PodFixtures.ephemeralVolumeOf("data", PodFixtures.claimTemplateWithoutSpec())),
                        403,
                        List.of("volume \"data\"", "volumeClaimTemplate.spec")),
                // Found by HostileInputTest: a nameless ephemeral volume used to fail with a NullPointerException.
                argumentSet(
                        "ephemeral volume without a name",
                        PodFixtures.unnamed("web")
                                .volume(PodFixtures.ephemeralVolumeOf(
                                        null,
                                        new PersistentVolumeClaimTemplateBuilder()
                                                .withNewSpec()
                                                .endSpec()
                                                .build())),
                        403,
                        List.of("volume without a name", "DNS-1123 label")),
                argumentSet(
                        "ephemeral volume named by no DNS label",
                        PodFixtures.unnamed("web")
                                .volume(PodFixtures.ephemeralVolumeOf(
                                        "Data_1",
                                        new PersistentVolumeClaimTemplateBuilder()
                                                .withNewSpec()
                                                .endSpec()
                                                .build())),
                        403,
                        List.of("volume \"Data_1\"", "not a DNS-1123 label")),
                // The API server validates the template only in the pod, and after mutation the volume is a PVC
                // reference: the template must be checked here or the controller's PVC create fails for ever.
                argumentSet(
                        "claim template without access modes",
                        PodFixtures.unnamed("web")
                                .volume(ephemeral("data", t -> t.getSpec().setAccessModes(List.of()))),
                        403,
                        List.of("volume \"data\": ephemeral.volumeClaimTemplate.spec.accessModes is required;"
                                + " allowed: one or more of ReadWriteOnce, ReadOnlyMany, ReadWriteMany,"
                                + " ReadWriteOncePod")),
                argumentSet(
                        "claim template with storage that is no quantity",
                        PodFixtures.unnamed("web")
                                .volume(ephemeral(
                                        "data",
                                        t -> t.getSpec()
                                                .getResources()
                                                .setRequests(Map.of("storage", new Quantity("lots"))))),
                        403,
                        List.of("volume \"data\": ephemeral.volumeClaimTemplate.spec.resources.requests.storage"
                                + " \"lots\" is not a quantity; allowed:")),
                argumentSet(
                        "claim template with a bad volumeMode and storage class, both reported",
                        PodFixtures.unnamed("web").ephemeralVolume("logs").volume(ephemeral("data", t -> {
                            t.getSpec().setVolumeMode("Raw");
                            t.getSpec().setStorageClassName("Fast_SSD");
                        })),
                        403,
                        List.of(
                                "; volume \"data\": ephemeral.volumeClaimTemplate.spec.volumeMode \"Raw\"",
                                "volume \"data\": ephemeral.volumeClaimTemplate.spec.storageClassName \"Fast_SSD\"")),
                argumentSet(
                        "claim template with an invalid label",
                        PodFixtures.unnamed("web")
                                .volume(ephemeral(
                                        "data", t -> t.getMetadata().getLabels().put("tier", "a b"))),
                        403,
                        List.of("volume \"data\": ephemeral.volumeClaimTemplate.metadata"
                                + ".labels[\"tier\"]: value \"a b\" is not a valid label value")),
                argumentSet("missing spec", PodFixtures.pod("web", 0).noSpec(), 400, List.of("spec is required")),
                argumentSet(
                        "name longer than a DNS label",
                        PodFixtures.pod(SET61, 10),
                        403,
                        List.of("\"" + SET61 + "-10\"", "is 64 characters", "at most 63")));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("rejected")
    void rejectsAMalformedMemberRequest(PodFixtures fixture, int code, List<String> fragments) {
        CreateRules.Prepared got = CreateRules.prepare(fixture.build());
        assertThat(got).as("prepare: got %s, want Rejected", got).isInstanceOf(CreateRules.Prepared.Rejected.class);
        Decision.Deny deny = ((CreateRules.Prepared.Rejected) got).deny();
        assertThat(deny.code()).as("code: got %d, want %d", deny.code(), code).isEqualTo(code);
        for (String fragment : fragments) {
            assertThat(deny.message())
                    .as("message: got %s, want it to contain %s", deny.message(), fragment)
                    .contains(fragment);
        }
    }

    static Stream<Arguments> members() {
        return Stream.of(
                argumentSet("named pod", PodFixtures.pod("web", 3), "web", 3, true),
                argumentSet(
                        "named at start 5",
                        PodFixtures.pod("web", 5).annotation(START_ORDINAL_ANNOTATION, "5"),
                        "web",
                        5,
                        true),
                argumentSet("named at int max", PodFixtures.pod("w", "w-2147483647"), "w", Integer.MAX_VALUE, true),
                argumentSet("61-character set, ordinal 9 (63 characters)", PodFixtures.pod(SET61, 9), SET61, 9, true),
                argumentSet("generateName pod", PodFixtures.unnamed("web"), "web", -1, false),
                argumentSet("empty name", PodFixtures.pod("web", ""), "web", -1, false),
                argumentSet(
                        "set with dashes and digits",
                        PodFixtures.pod("my-db-2", 10).annotation(SERVICE_ANNOTATION, "db"),
                        "my-db-2",
                        10,
                        true),
                // A volume kept ephemeral stays in the pod, where the API server validates its template itself.
                argumentSet(
                        "kept-ephemeral volume is left to the API server",
                        PodFixtures.unnamed("web")
                                .annotation(EPHEMERAL_VOLUMES_ANNOTATION, "scratch")
                                .volume(ephemeral("scratch", t -> t.getSpec().setAccessModes(List.of()))),
                        "web",
                        -1,
                        false));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("members")
    void preparesAWellFormedMemberRequest(PodFixtures fixture, String set, int ordinal, boolean named) {
        Pod pod = fixture.build();
        CreateRules.Prepared.Member got = member(pod);
        assertThat(got.set()).as("set: got %s, want %s", got.set(), set).isEqualTo(set);
        assertThat(got.ordinal())
                .as("ordinal: got %d, want %d", got.ordinal(), ordinal)
                .isEqualTo(ordinal);
        assertThat(got.named()).as("named: got %s, want %s", got.named(), named).isEqualTo(named);
        SetSettings want = Settings.of(
                set,
                pod.getMetadata().getAnnotations() == null
                        ? new String[0]
                        : pod.getMetadata().getAnnotations().entrySet().stream()
                                .flatMap(e -> Stream.of(e.getKey(), e.getValue()))
                                .toArray(String[]::new));
        assertThat(got.settings())
                .as("settings: got %s, want %s", got.settings(), want)
                .isEqualTo(want);
    }

    @Test
    void deniesAPodTheMutatingWebhookDidNotName() {
        Pod pod = PodFixtures.unnamed("web").build();
        Decision got = CreateRules.validate(pod, member(pod), SetSnapshot.empty("default", "web"), GOOD_SERVICE);
        Decision.Deny deny = denied(got, 403);
        assertThat(deny.message())
                .as("message: got %s, want it to point at the mutating webhook", deny.message())
                .contains("metadata.name is empty")
                .contains("MutatingWebhookConfiguration");
    }

    @Test
    void deniesWhenALivePodHoldsTheOrdinal() {
        Decision.Deny deny = denied(validate(PodFixtures.pod("web", 3), List.of(Members.ready(3)), GOOD_SERVICE), 409);
        assertThat(deny.reason())
                .as("reason: got %s, want AlreadyExists", deny.reason())
                .isEqualTo("AlreadyExists");
        assertThat(deny.message())
                .as("message: got %s, want it to name the other pod and its uid", deny.message())
                .contains("live pod web-3")
                .contains("uid-3")
                .contains("ordinal 3");
    }

    @Test
    void deniesRetryablyWhenATerminatingPodHoldsTheOrdinal() {
        Decision.Deny deny =
                denied(validate(PodFixtures.pod("web", 3), List.of(Members.terminating(3)), GOOD_SERVICE), 429);
        assertThat(deny.message())
                .as("message: got %s, want it to name the terminating pod", deny.message())
                .contains("still held by pod web-3, which is terminating")
                .contains("Retry later");
    }

    @Test
    void deniesWhenTheMemberClaimsAFieldOrdinalOwns() {
        Decision.Deny deny = denied(validate(PodFixtures.pod("web", 3).hostname("db"), List.of(), GOOD_SERVICE), 403);
        assertThat(deny.message())
                .as("message: got %s, want it to name spec.hostname", deny.message())
                .startsWith("spec.hostname is \"db\"");
    }

    static Stream<Arguments> disagreements() {
        return Stream.of(
                argumentSet("service", SERVICE_ANNOTATION, "nginx", "web"),
                argumentSet("pod-management-policy", POLICY_ANNOTATION, "Parallel", "OrderedReady"),
                argumentSet("ordering", ORDERING_ANNOTATION, "deny", "gate"),
                argumentSet("start-ordinal", START_ORDINAL_ANNOTATION, "1", "0"),
                argumentSet("ephemeral-volumes", EPHEMERAL_VOLUMES_ANNOTATION, "scratch", ""),
                argumentSet("create-service", CREATE_SERVICE_ANNOTATION, "false", "true"),
                argumentSet("min-ready-seconds", MIN_READY_SECONDS_ANNOTATION, "10", "0"));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("disagreements")
    void deniesAPodThatDisagreesWithALiveSibling(String annotation, String mine, String theirs) {
        PodFixtures pod = PodFixtures.pod("web", 3).annotation(annotation, mine).ephemeralVolume("scratch");
        Member sibling = PodFixtures.pod("web", 0).ready().asMember(); // all defaults
        Decision.Deny deny = denied(validate(pod, List.of(sibling), GOOD_SERVICE), 403);
        assertThat(deny.message())
                .as("message: got %s, want it to name the sibling, %s and both values", deny.message(), annotation)
                .contains("disagrees with live member web-0")
                .contains(annotation + " is \"" + mine + "\" here but \"" + theirs + "\" there");
    }

    @Test
    void ignoresATerminatingSiblingWithOtherSettings() {
        // The old generation is shutting down: a new template must be able to replace it.
        Member old = PodFixtures.pod("web", 0)
                .annotation(POLICY_ANNOTATION, "Parallel")
                .ready()
                .terminating()
                .asMember();
        allowed(validate(PodFixtures.pod("web", 1), List.of(old), GOOD_SERVICE));
    }

    @Test
    void ignoresASiblingWhoseSettingsDoNotParse() {
        // Predates Ordinal's validation: it has no settings to disagree with.
        Member legacy = PodFixtures.pod("web", 0)
                .annotation(ORDERING_ANNOTATION, "sometimes")
                .ready()
                .asMember();
        allowed(validate(PodFixtures.pod("web", 1), List.of(legacy), GOOD_SERVICE));
    }

    private static PodFixtures deny(int n) {
        return PodFixtures.pod("web", n).annotation(ORDERING_ANNOTATION, "deny");
    }

    static Stream<Arguments> waiting() {
        return Stream.of(
                argumentSet(
                        "predecessor missing",
                        List.of(deny(0).ready().asMember(), deny(2).ready().asMember()),
                        3,
                        1,
                        "web-1 does not exist yet"),
                argumentSet(
                        "predecessor not ready",
                        List.of(deny(0).ready().asMember(), deny(1).notReady().asMember()),
                        2,
                        1,
                        "web-1 is not Running and Ready yet (phase Running)"),
                argumentSet(
                        "predecessor pending",
                        List.of(deny(0).asMember()),
                        1,
                        0,
                        "web-0 is not Running and Ready yet (phase Pending)"),
                argumentSet(
                        "predecessor terminating",
                        List.of(
                                deny(0).ready().asMember(),
                                deny(1).ready().terminating().asMember()),
                        2,
                        1,
                        "web-1 is terminating"),
                argumentSet("lowest of several waits", List.of(), 4, 0, "web-0 does not exist yet"));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("waiting")
    void deniesInDenyModeUntilEveryPredecessorIsRunningAndReady(
            List<Member> members, int n, int awaited, String state) {
        Decision.Deny deny = denied(validate(deny(n), members, GOOD_SERVICE), 429);
        assertThat(deny.message())
                .as("message: got %s, want it to name web-%d and say: %s", deny.message(), awaited, state)
                .startsWith("web-" + n + " waits for web-" + awaited + ": ")
                .contains(state)
                .contains(ORDERING_ANNOTATION + "=deny")
                .contains("Retry later");
    }

    static Stream<Arguments> notWaiting() {
        PodFixtures gate = PodFixtures.pod("web", 3);
        PodFixtures parallelDeny = PodFixtures.pod("web", 3)
                .annotation(POLICY_ANNOTATION, "Parallel")
                .annotation(ORDERING_ANNOTATION, "deny");
        return Stream.of(
                argumentSet(
                        "deny mode, all predecessors ready",
                        deny(2),
                        List.of(deny(0).ready().asMember(), deny(1).ready().asMember())),
                argumentSet("deny mode, first ordinal", deny(0), List.of()),
                argumentSet(
                        "deny mode, start 5, ordinal 5", deny(5).annotation(START_ORDINAL_ANNOTATION, "5"), List.of()),
                argumentSet("gate mode lets the mutating webhook gate instead", gate, List.of()),
                argumentSet("Parallel ignores deny ordering", parallelDeny, List.of()));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("notWaiting")
    void admitsWhenNothingIsAwaited(PodFixtures fixture, List<Member> members) {
        allowed(validate(fixture, members, GOOD_SERVICE));
        Pod pod = fixture.build();
        CreateRules.Prepared.Member m = member(pod);
        Optional<Decision.Deny> waiting =
                CreateRules.waitingForPredecessor(m.settings(), SetSnapshot.of("default", "web", members), m.ordinal());
        assertThat(waiting)
                .as("waitingForPredecessor: got %s, want empty", waiting)
                .isEmpty();
    }

    static Stream<Arguments> warnings() {
        ServiceFacts missing = ServiceFacts.MISSING;
        return Stream.of(
                argumentSet(
                        "dense set, good Service",
                        PodFixtures.pod("web", 2),
                        List.of(Members.ready(0), Members.ready(1)),
                        GOOD_SERVICE,
                        List.of()),
                argumentSet(
                        "three gaps listed",
                        PodFixtures.pod("web", 5),
                        List.of(Members.ready(0), Members.ready(2)),
                        GOOD_SERVICE,
                        List.of("set web has 3 ordinal(s) below 5 with no live pod (1, 3, 4)")),
                argumentSet(
                        "five gaps, all listed",
                        PodFixtures.pod("web", 5),
                        List.of(),
                        GOOD_SERVICE,
                        List.of("set web has 5 ordinal(s) below 5 with no live pod (0, 1, 2, 3, 4)")),
                argumentSet(
                        "six gaps, five listed",
                        PodFixtures.pod("web", 6),
                        List.of(),
                        GOOD_SERVICE,
                        List.of("set web has 6 ordinal(s) below 6 with no live pod (0, 1, 2, 3, 4, …)")),
                argumentSet(
                        "terminating pod leaves a gap",
                        PodFixtures.pod("web", 2),
                        List.of(Members.ready(0), Members.terminating(1)),
                        GOOD_SERVICE,
                        List.of("set web has 1 ordinal(s) below 2 with no live pod (1)")),
                argumentSet(
                        "gaps counted from start",
                        PodFixtures.pod("web", 8).annotation(START_ORDINAL_ANNOTATION, "5"),
                        List.of(),
                        GOOD_SERVICE,
                        List.of("set web has 3 ordinal(s) below 8 with no live pod (5, 6, 7)")),
                argumentSet(
                        "two billion gaps",
                        PodFixtures.pod("web", 2_000_000_000),
                        List.of(Members.ready(1)),
                        GOOD_SERVICE,
                        List.of("set web has 1999999999 ordinal(s) below 2000000000 with no live pod"
                                + " (0, 2, 3, 4, 5, …)")),
                argumentSet(
                        "Service missing, controller creates it",
                        PodFixtures.pod("web", 0),
                        List.of(),
                        missing,
                        List.of("headless Service web does not exist yet; the Ordinal controller creates it")),
                argumentSet(
                        "Service missing, create-service false",
                        PodFixtures.pod("web", 0).annotation(CREATE_SERVICE_ANNOTATION, "false"),
                        List.of(),
                        missing,
                        List.of("headless Service web does not exist and " + CREATE_SERVICE_ANNOTATION
                                + "=false: DNS name web-0.web will not resolve until you create it")),
                argumentSet(
                        "Service not headless",
                        PodFixtures.pod("web", 0),
                        List.of(),
                        new ServiceFacts(true, false, true),
                        List.of("Service web is not headless (spec.clusterIP is not None): per-pod DNS records like"
                                + " web-0.web need clusterIP: None")),
                argumentSet(
                        "Service selects other pods",
                        PodFixtures.pod("web", 0),
                        List.of(),
                        new ServiceFacts(true, true, false),
                        List.of("Service web does not select ordinal.dev/set=web: it publishes no DNS records for this"
                                + " set's pods")),
                argumentSet(
                        "custom Service neither headless nor selecting, and a gap",
                        PodFixtures.pod("web", 1).annotation(SERVICE_ANNOTATION, "nginx"),
                        List.of(),
                        new ServiceFacts(true, false, false),
                        List.of(
                                "set web has 1 ordinal(s) below 1 with no live pod (0)",
                                "Service nginx is not headless (spec.clusterIP is not None): per-pod DNS records like"
                                        + " web-1.nginx need clusterIP: None",
                                "Service nginx does not select ordinal.dev/set=web: it publishes no DNS records for"
                                        + " this set's pods")));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("warnings")
    void warnsAboutGapsAndTheService(
            PodFixtures fixture, List<Member> members, ServiceFacts service, List<String> want) {
        Decision.Allow allow = allowed(validate(fixture, members, service));
        assertThat(allow.warnings())
                .as("warnings: got %s, want %s", allow.warnings(), want)
                .containsExactlyElementsOf(want);
    }

    static Stream<Arguments> nameLengths() {
        return Stream.of(
                argumentSet("61-character set, ordinal 0: 63 characters", SET61, 0, false),
                argumentSet("61-character set, ordinal 9: 63 characters", SET61, 9, false),
                argumentSet("61-character set, ordinal 10: 64 characters", SET61, 10, true),
                argumentSet("52-character set, int max: 63 characters", "s".repeat(52), Integer.MAX_VALUE, false),
                argumentSet("53-character set, int max: 64 characters", "s".repeat(53), Integer.MAX_VALUE, true));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("nameLengths")
    void deniesAPodNameLongerThanADnsLabel(String set, int n, boolean tooLong) {
        Optional<Decision.Deny> got = CreateRules.nameTooLong(set, n);
        String name = PodNames.podName(set, n);
        assertThat(got.isPresent())
                .as("nameTooLong(%d chars): got %s, want %s", name.length(), got, tooLong)
                .isEqualTo(tooLong);
        got.ifPresent(deny -> {
            assertThat(deny.code()).as("code: got %d, want 403", deny.code()).isEqualTo(403);
            assertThat(deny.message())
                    .as("message: got %s, want it to name the pod, its length and the limit", deny.message())
                    .contains("\"" + name + "\"")
                    .contains("is 64 characters")
                    .contains("at most 63")
                    .contains(SET_LABEL);
        });
    }

    static Stream<Arguments> claimTemplateEntries() {
        return Stream.of(
                argumentSet("no annotation", PodFixtures.pod("web", 3).ephemeralVolume("data"), null),
                // What Ordinal writes: seen again on re-invocation and by the validating webhook.
                argumentSet(
                        "entry for the volume mounting its claim",
                        PodFixtures.pod("web", 3)
                                .annotation(CLAIM_TEMPLATES_ANNOTATION, templates("data"))
                                .volume(claimVolume("data", "data-web-3")),
                        null),
                // The user copied Ordinal's annotation into the template: the volume's own template replaces it.
                argumentSet(
                        "entry for an ephemeral volume Ordinal converts",
                        PodFixtures.pod("web", 3)
                                .annotation(CLAIM_TEMPLATES_ANNOTATION, templates("data"))
                                .ephemeralVolume("data"),
                        null),
                argumentSet(
                        "entry naming no volume",
                        PodFixtures.pod("web", 3)
                                .annotation(CLAIM_TEMPLATES_ANNOTATION, templates("data", "ghost"))
                                .ephemeralVolume("data"),
                        "annotation ordinal.dev/claim-templates: entry \"ghost\" names no volume of pod web-3;"
                                + " allowed: an entry only for a volume that mounts its per-ordinal claim (here volume"
                                + " \"ghost\" with persistentVolumeClaim.claimName \"ghost-web-3\", or a generic"
                                + " ephemeral volume not listed in ordinal.dev/ephemeral-volumes); Ordinal writes this"
                                + " annotation itself, so remove it from the pod (template)"),
                argumentSet(
                        "entry for a volume mounting another ordinal's claim",
                        PodFixtures.pod("web", 3)
                                .annotation(CLAIM_TEMPLATES_ANNOTATION, templates("data"))
                                .volume(claimVolume("data", "data-web-2")),
                        "entry \"data\": volume \"data\" of pod web-3 mounts claim \"data-web-2\", not"
                                + " \"data-web-3\"; allowed:"),
                argumentSet(
                        "entry for a volume mounting some other claim",
                        PodFixtures.pod("web", 3)
                                .annotation(CLAIM_TEMPLATES_ANNOTATION, templates("data"))
                                .volume(claimVolume("data", "shared")),
                        "mounts claim \"shared\", not \"data-web-3\""),
                argumentSet(
                        "entry for a volume kept ephemeral",
                        PodFixtures.pod("web", 3)
                                .annotation(EPHEMERAL_VOLUMES_ANNOTATION, "scratch")
                                .annotation(CLAIM_TEMPLATES_ANNOTATION, templates("scratch"))
                                .ephemeralVolume("scratch"),
                        "entry \"scratch\": volume \"scratch\" is listed in ordinal.dev/ephemeral-volumes, so it"
                                + " stays ephemeral and has no claim; allowed:"),
                argumentSet(
                        "entry for an emptyDir volume",
                        PodFixtures.pod("web", 3)
                                .annotation(CLAIM_TEMPLATES_ANNOTATION, templates("cache"))
                                .emptyDir("cache"),
                        "entry \"cache\": volume \"cache\" of pod web-3 is neither a persistentVolumeClaim nor a"
                                + " generic ephemeral volume; allowed:"),
                // The controller creates the claim from this entry, so it must be a template the API server accepts.
                argumentSet(
                        "entry for the mounted claim with an invalid template",
                        PodFixtures.pod("web", 3)
                                .annotation(CLAIM_TEMPLATES_ANNOTATION, "{\"data\":{\"spec\":{\"accessModes\":[]}}}")
                                .volume(claimVolume("data", "data-web-3")),
                        "annotation ordinal.dev/claim-templates: entry \"data\": volumeClaimTemplate.spec.accessModes"
                                + " is required; allowed: one or more of"));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("claimTemplateEntries")
    void admitsOnlyClaimTemplateEntriesForTheClaimsThePodMounts(PodFixtures fixture, String want) {
        Pod pod = fixture.build();
        Optional<Decision.Deny> got = CreateRules.claimTemplatesProblem(pod, member(pod), 3);
        if (want == null) {
            assertThat(got).as("claimTemplatesProblem: got %s, want none", got).isEmpty();
            return;
        }
        assertThat(got)
                .as("claimTemplatesProblem: got none, want a denial containing %s", want)
                .isPresent();
        assertThat(got.get().code())
                .as("code: got %d, want 403", got.get().code())
                .isEqualTo(403);
        assertThat(got.get().message())
                .as("message: got %s, want it to contain %s", got.get().message(), want)
                .contains(want);
    }

    @Test
    void validateDeniesAForgedClaimTemplatesEntry() {
        PodFixtures forged = PodFixtures.pod("web", 3)
                .annotation(CLAIM_TEMPLATES_ANNOTATION, templates("data", "ghost"))
                .volume(claimVolume("data", "data-web-3"));
        Decision.Deny deny = denied(validate(forged, List.of(), GOOD_SERVICE), 403);
        assertThat(deny.message())
                .as("message: got %s, want it to name the entry", deny.message())
                .startsWith("annotation ordinal.dev/claim-templates: entry \"ghost\" names no volume of pod web-3");
    }

    @Test
    void validateAdmitsWhatTheMutatingWebhookWrote() {
        Pod input = PodFixtures.unnamed("web").ephemeralVolume("data").build();
        Pod mutated = ((Decision.Allow)
                        PodIdentity.mutate(input, member(input), 0, SetSnapshot.empty("default", "web"), name -> false))
                .mutated();
        Decision got =
                CreateRules.validate(mutated, member(mutated), SetSnapshot.empty("default", "web"), GOOD_SERVICE);
        allowed(got);
    }

    @Test
    void heldByTerminatingNamesTheHolderAndAsksForARetry() {
        Decision.Deny got = CreateRules.heldByTerminating("web", 1, Members.terminating(1));
        assertThat(got.code()).as("code: got %d, want 429", got.code()).isEqualTo(429);
        assertThat(got.message())
                .as("message: got %s", got.message())
                .isEqualTo("ordinal 1 of set \"web\" is still"
                        + " held by pod web-1, which is terminating; web-1 is re-created with the same identity once it is"
                        + " gone. Retry later");
    }
}
