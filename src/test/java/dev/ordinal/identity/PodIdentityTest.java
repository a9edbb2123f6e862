package dev.ordinal.identity;

import static dev.ordinal.identity.OrdinalKeys.CLAIMS_GATE;
import static dev.ordinal.identity.OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.DELETION_COST_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.EPHEMERAL_VOLUMES_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.ORDERED_GATE;
import static dev.ordinal.identity.OrdinalKeys.ORDERING_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.POD_INDEX_LABEL;
import static dev.ordinal.identity.OrdinalKeys.POD_NAME_LABEL;
import static dev.ordinal.identity.OrdinalKeys.POLICY_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.SERVICE_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.SET_LABEL;
import static dev.ordinal.identity.OrdinalKeys.START_ORDINAL_ANNOTATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Mutating a pod into member {@code S-n}: identity fields, per-ordinal claims, gates, and nothing else. */
class PodIdentityTest {

    private static final SetSnapshot EMPTY = SetSnapshot.empty("default", "web");
    private static final Predicate<String> NO_CLAIMS = name -> false;
    private static final Predicate<String> ALL_CLAIMS = name -> true;

    /** The pod as the webhook would prepare it: settings and claim templates parsed from the pod itself. */
    private static CreateRules.Prepared.Member memberOf(Pod pod) {
        CreateRules.Prepared prepared = CreateRules.prepare(pod);
        assertThat(prepared)
                .as("prepare: got %s, want Member", prepared)
                .isInstanceOf(CreateRules.Prepared.Member.class);
        return (CreateRules.Prepared.Member) prepared;
    }

    private static Pod mutated(Pod pod, int n, SetSnapshot snapshot, Predicate<String> claimExists) {
        Decision got = PodIdentity.mutate(pod, memberOf(pod), n, snapshot, claimExists);
        assertThat(got).as("mutate: got %s, want Allow", got).isInstanceOf(Decision.Allow.class);
        Decision.Allow allow = (Decision.Allow) got;
        assertThat(allow.mutated())
                .as("mutate: got no pod, want the mutated pod")
                .isNotNull();
        assertThat(allow.warnings())
                .as("mutate warnings: got %s, want none", allow.warnings())
                .isEmpty();
        return allow.mutated();
    }

    private static List<String> gates(Pod pod) {
        return pod.getSpec().getSchedulingGates() == null
                ? List.of()
                : pod.getSpec().getSchedulingGates().stream()
                        .map(PodSchedulingGate::getName)
                        .toList();
    }

    private static Volume volume(Pod pod, String name) {
        return pod.getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    static Stream<Arguments> identities() {
        return Stream.of(
                argumentSet("generateName pod, ordinal 0", PodFixtures.unnamed("web"), 0, "web-0", "web"),
                argumentSet("generateName pod, ordinal 12", PodFixtures.unnamed("web"), 12, "web-12", "web"),
                argumentSet(
                        "custom service",
                        PodFixtures.unnamed("web").annotation(SERVICE_ANNOTATION, "nginx"),
                        2,
                        "web-2",
                        "nginx"),
                argumentSet(
                        "start ordinal 5",
                        PodFixtures.unnamed("web").annotation(START_ORDINAL_ANNOTATION, "5"),
                        5,
                        "web-5",
                        "web"),
                argumentSet("explicitly named pod", PodFixtures.pod("web", 3), 3, "web-3", "web"),
                argumentSet(
                        "set name with dashes and digits", PodFixtures.unnamed("my-db-2"), 10, "my-db-2-10", "my-db-2"),
                argumentSet("huge ordinal", PodFixtures.unnamed("web"), Integer.MAX_VALUE, "web-2147483647", "web"));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("identities")
    void setsNameHostnameSubdomainLabelsAndDeletionCost(
            PodFixtures fixture, int n, String wantName, String wantService) {
        Pod pod = mutated(fixture.build(), n, EMPTY, NO_CLAIMS);
        assertThat(pod.getMetadata().getName())
                .as("metadata.name: got %s, want %s", pod.getMetadata().getName(), wantName)
                .isEqualTo(wantName);
        assertThat(pod.getSpec().getHostname())
                .as("spec.hostname: got %s, want %s", pod.getSpec().getHostname(), wantName)
                .isEqualTo(wantName);
        assertThat(pod.getSpec().getSubdomain())
                .as("spec.subdomain: got %s, want %s", pod.getSpec().getSubdomain(), wantService)
                .isEqualTo(wantService);
        Map<String, String> labels = pod.getMetadata().getLabels();
        assertThat(labels)
                .as("labels: got %s, want pod-index %d and pod-name %s", labels, n, wantName)
                .containsEntry(POD_INDEX_LABEL, Integer.toString(n))
                .containsEntry(POD_NAME_LABEL, wantName)
                .containsKey(SET_LABEL);
        String cost = pod.getMetadata().getAnnotations().get(DELETION_COST_ANNOTATION);
        assertThat(cost).as("deletion cost: got %s, want %d", cost, -n).isEqualTo(Integer.toString(-n));
    }

    @Test
    void convertsAnEphemeralVolumeToAPerOrdinalClaimAndKeepsItsTemplate() {
        Pod input = PodFixtures.unnamed("web")
                .emptyDir("cache")
                .ephemeralVolume("data")
                .build();
        Pod pod = mutated(input, 3, EMPTY, ALL_CLAIMS);

        List<String> names =
                pod.getSpec().getVolumes().stream().map(Volume::getName).toList();
        assertThat(names).as("volume order: got %s, want [cache, data]", names).containsExactly("cache", "data");
        Volume data = volume(pod, "data");
        assertThat(data.getEphemeral())
                .as("data.ephemeral: got %s, want none", data.getEphemeral())
                .isNull();
        assertThat(data.getPersistentVolumeClaim())
                .as("data.persistentVolumeClaim: got none")
                .isNotNull();
        String claim = data.getPersistentVolumeClaim().getClaimName();
        assertThat(claim).as("claimName: got %s, want data-web-3", claim).isEqualTo("data-web-3");
        assertThat(volume(pod, "cache"))
                .as("emptyDir volume: got changed, want as it was")
                .isEqualTo(volume(input, "cache"));

        String annotation = pod.getMetadata().getAnnotations().get(CLAIM_TEMPLATES_ANNOTATION);
        Parsed<Map<String, PersistentVolumeClaimTemplate>> templates = ClaimTemplates.parse(annotation);
        Map<String, PersistentVolumeClaimTemplate> want = Map.of("data", PodFixtures.template("data"));
        assertThat(templates)
                .as("%s: got %s, want %s", CLAIM_TEMPLATES_ANNOTATION, annotation, want)
                .isEqualTo(new Parsed.Valid<>(want));
    }

    @Test
    void leavesAVolumeListedInEphemeralVolumesEphemeral() {
        Pod input = PodFixtures.unnamed("web")
                .annotation(EPHEMERAL_VOLUMES_ANNOTATION, "scratch")
                .ephemeralVolume("data")
                .ephemeralVolume("scratch")
                .build();
        Pod pod = mutated(input, 1, EMPTY, ALL_CLAIMS);
        assertThat(volume(pod, "scratch"))
                .as("listed volume: got changed, want it left ephemeral")
                .isEqualTo(volume(input, "scratch"));
        String claim = volume(pod, "data").getPersistentVolumeClaim().getClaimName();
        assertThat(claim)
                .as("unlisted volume's claim: got %s, want data-web-1", claim)
                .isEqualTo("data-web-1");
        Map<String, PersistentVolumeClaimTemplate> templates = ClaimTemplates.parse(
                        pod.getMetadata().getAnnotations().get(CLAIM_TEMPLATES_ANNOTATION))
                .valid()
                .orElseThrow();
        assertThat(templates.keySet())
                .as("templates kept: got %s, want [data]", templates.keySet())
                .containsExactly("data");
        List<String> claimNames = memberOf(input).claimNames(1);
        assertThat(claimNames)
                .as("claimNames: got %s, want [data-web-1]", claimNames)
                .containsExactly("data-web-1");
    }

    @Test
    void addsNoClaimTemplatesWithoutEphemeralVolumes() {
        Pod pod = mutated(PodFixtures.unnamed("web").emptyDir("cache").build(), 0, EMPTY, NO_CLAIMS);
        assertThat(pod.getMetadata().getAnnotations())
                .as("annotations: got %s, want no %s", pod.getMetadata().getAnnotations(), CLAIM_TEMPLATES_ANNOTATION)
                .doesNotContainKey(CLAIM_TEMPLATES_ANNOTATION);
        assertThat(gates(pod)).as("gates: got %s, want none", gates(pod)).isEmpty();
    }

    static Stream<Arguments> claimGates() {
        return Stream.of(
                argumentSet("claim missing", PodFixtures.unnamed("web").ephemeralVolume("data"), Set.of(), true),
                argumentSet(
                        "claim exists",
                        PodFixtures.unnamed("web").ephemeralVolume("data"),
                        Set.of("data-web-3"),
                        false),
                argumentSet(
                        "claim of another ordinal exists",
                        PodFixtures.unnamed("web").ephemeralVolume("data"),
                        Set.of("data-web-2"),
                        true),
                argumentSet(
                        "one of two claims missing",
                        PodFixtures.unnamed("web").ephemeralVolume("data").ephemeralVolume("logs"),
                        Set.of("data-web-3"),
                        true),
                argumentSet(
                        "both claims exist",
                        PodFixtures.unnamed("web").ephemeralVolume("data").ephemeralVolume("logs"),
                        Set.of("data-web-3", "logs-web-3"),
                        false),
                argumentSet(
                        "only a volume kept ephemeral",
                        PodFixtures.unnamed("web")
                                .annotation(EPHEMERAL_VOLUMES_ANNOTATION, "data")
                                .ephemeralVolume("data"),
                        Set.of(),
                        false),
                argumentSet("no volumes", PodFixtures.unnamed("web"), Set.of(), false));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("claimGates")
    void addsTheClaimsGateOnlyWhenAClaimIsMissing(PodFixtures fixture, Set<String> existing, boolean want) {
        Pod pod = mutated(fixture.build(), 3, EMPTY, existing::contains);
        boolean got = gates(pod).contains(CLAIMS_GATE);
        assertThat(got)
                .as("claims gate with claims %s: got %s, want %s (gates %s)", existing, got, want, gates(pod))
                .isEqualTo(want);
    }

    static Stream<Arguments> orderedGates() {
        List<Member> ready012 = List.of(Members.ready(0), Members.ready(1), Members.ready(2));
        PodFixtures gate = PodFixtures.unnamed("web");
        PodFixtures parallel = PodFixtures.unnamed("web").annotation(POLICY_ANNOTATION, "Parallel");
        PodFixtures deny = PodFixtures.unnamed("web").annotation(ORDERING_ANNOTATION, "deny");
        PodFixtures start5 = PodFixtures.unnamed("web").annotation(START_ORDINAL_ANNOTATION, "5");
        return Stream.of(
                argumentSet("first ordinal waits for nobody", gate, List.of(), 0, false),
                argumentSet("all predecessors ready", gate, ready012, 3, false),
                argumentSet("predecessor missing", gate, List.of(Members.ready(0), Members.ready(2)), 3, true),
                argumentSet(
                        "predecessor pending",
                        gate,
                        List.of(Members.ready(0), Members.pending(1), Members.ready(2)),
                        3,
                        true),
                argumentSet(
                        "predecessor terminating",
                        gate,
                        List.of(Members.ready(0), Members.terminating(1), Members.ready(2)),
                        3,
                        true),
                argumentSet(
                        "successor not ready does not matter",
                        gate,
                        List.of(Members.ready(0), Members.pending(5)),
                        1,
                        false),
                argumentSet("Parallel never gates", parallel, List.of(), 3, false),
                argumentSet("deny ordering adds no gate", deny, List.of(), 3, false),
                argumentSet("start 5, first ordinal", start5, List.of(), 5, false),
                argumentSet("start 5, ordinals below start do not count", start5, List.of(Members.ready(5)), 6, false),
                argumentSet("start 5, predecessor 5 missing", start5, List.of(Members.ready(0)), 6, true));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("orderedGates")
    void addsTheOrderedGateOnlyWhileAPredecessorIsNotRunningAndReady(
            PodFixtures fixture, List<Member> members, int n, boolean want) {
        Pod pod = mutated(fixture.build(), n, SetSnapshot.of("default", "web", members), NO_CLAIMS);
        boolean got = gates(pod).contains(ORDERED_GATE);
        assertThat(got)
                .as("ordered gate for web-%d: got %s, want %s (gates %s)", n, got, want, gates(pod))
                .isEqualTo(want);
    }

    static Stream<Arguments> pinnedPods() {
        PodFixtures pinned = PodFixtures.unnamed("web").nodeName("node-a");
        List<Member> notReady0 = List.of(Members.pending(0));
        List<Member> ready0 = List.of(Members.ready(0));
        String hostname = "drop spec.nodeName and pin the node with a nodeSelector on kubernetes.io/hostname";
        return Stream.of(
                argumentSet(
                        "claim missing",
                        pinned.ephemeralVolume("data"),
                        ready0,
                        Set.of(),
                        List.of("spec.nodeName is \"node-a\", but Ordinal must hold web-1 behind scheduling gate"
                                + " ordinal.dev/claims until it has created claim(s) data-web-1, and the API server"
                                + " refuses a pod that sets spec.nodeName while it has scheduling gates; allowed:"
                                + " create the claim(s) before the pod, or " + hostname)),
                argumentSet(
                        "predecessor not ready",
                        PodFixtures.unnamed("web").nodeName("node-a"),
                        notReady0,
                        Set.of(),
                        List.of(
                                "behind scheduling gate ordinal.dev/ordered until web-0 is Running and Ready"
                                        + " (ordinal.dev/pod-management-policy OrderedReady with ordinal.dev/ordering gate)",
                                "allowed: set annotation ordinal.dev/ordering: deny (creation is then refused, and"
                                        + " retried by the pod's creator, until every lower ordinal is Running and"
                                        + " Ready), or " + hostname)),
                argumentSet(
                        "both gates",
                        PodFixtures.unnamed("web").nodeName("node-a").ephemeralVolume("data"),
                        notReady0,
                        Set.of(),
                        List.of(
                                "gate ordinal.dev/claims until it has created claim(s) data-web-1 and gate"
                                        + " ordinal.dev/ordered until web-0",
                                "create the claim(s) before the pod, or set"
                                        + " annotation ordinal.dev/ordering: deny")));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("pinnedPods")
    void deniesAPodWithNodeNameThatOrdinalMustGate(
            PodFixtures fixture, List<Member> members, Set<String> claims, List<String> fragments) {
        Pod pod = fixture.build();
        Decision got =
                PodIdentity.mutate(pod, memberOf(pod), 1, SetSnapshot.of("default", "web", members), claims::contains);
        assertThat(got).as("mutate: got %s, want Deny", got).isInstanceOf(Decision.Deny.class);
        Decision.Deny deny = (Decision.Deny) got;
        assertThat(deny.code()).as("code: got %d, want 403", deny.code()).isEqualTo(403);
        for (String fragment : fragments) {
            assertThat(deny.message())
                    .as("message: got %s, want it to contain %s", deny.message(), fragment)
                    .contains(fragment);
        }
    }

    static Stream<Arguments> pinnedPodsWithoutGates() {
        return Stream.of(
                argumentSet(
                        "claim exists, predecessor ready",
                        PodFixtures.unnamed("web").nodeName("node-a").ephemeralVolume("data"),
                        List.of(Members.ready(0)),
                        Set.of("data-web-1")),
                argumentSet(
                        "deny ordering never gates",
                        PodFixtures.unnamed("web").nodeName("node-a").annotation(ORDERING_ANNOTATION, "deny"),
                        List.of(Members.pending(0)),
                        Set.of()),
                argumentSet(
                        "Parallel never gates",
                        PodFixtures.unnamed("web").nodeName("node-a").annotation(POLICY_ANNOTATION, "Parallel"),
                        List.of(Members.pending(0)),
                        Set.of()),
                argumentSet(
                        "volume kept ephemeral needs no claim",
                        PodFixtures.unnamed("web")
                                .nodeName("node-a")
                                .annotation(EPHEMERAL_VOLUMES_ANNOTATION, "scratch")
                                .ephemeralVolume("scratch"),
                        List.of(Members.ready(0)),
                        Set.of()));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("pinnedPodsWithoutGates")
    void admitsAPodWithNodeNameThatNeedsNoGate(PodFixtures fixture, List<Member> members, Set<String> claims) {
        Pod pod = mutated(fixture.build(), 1, SetSnapshot.of("default", "web", members), claims::contains);
        assertThat(gates(pod)).as("gates: got %s, want none", gates(pod)).isEmpty();
        assertThat(pod.getSpec().getNodeName())
                .as("nodeName: got %s, want node-a", pod.getSpec().getNodeName())
                .isEqualTo("node-a");
    }

    @Test
    void deniesAForgedClaimTemplatesEntryInsteadOfGatingForIt() {
        String forged = ClaimTemplates.encode(Map.of("ghost", PodFixtures.template("ghost")));
        Pod pod = PodFixtures.unnamed("web")
                .annotation(CLAIM_TEMPLATES_ANNOTATION, forged)
                .ephemeralVolume("data")
                .build();
        Decision got = PodIdentity.mutate(pod, memberOf(pod), 2, EMPTY, NO_CLAIMS);
        assertThat(got).as("mutate: got %s, want Deny", got).isInstanceOf(Decision.Deny.class);
        String message = ((Decision.Deny) got).message();
        assertThat(message)
                .as("message: got %s, want it to name the entry and the pod", message)
                .startsWith("annotation ordinal.dev/claim-templates: entry \"ghost\" names no volume of pod web-2");
    }

    /** A pod with something of everything a user may set, including fields the fabric8 model does not know. */
    private static Pod richPod() {
        Pod pod = PodFixtures.unnamed("web")
                .label("app", "web")
                .annotation("example.com/owner", "team-a")
                .annotation(EPHEMERAL_VOLUMES_ANNOTATION, "scratch")
                .gate("example.com/wait")
                .ephemeralVolume("data")
                .ephemeralVolume("scratch")
                .emptyDir("cache")
                .build();
        pod.getSpec().getContainers().get(0).setArgs(new ArrayList<>(List.of("--port", "8080")));
        pod.setAdditionalProperty("futureTopLevel", Map.of("k", "v"));
        pod.getMetadata().setAdditionalProperty("futureMetadata", 1);
        pod.getSpec().setAdditionalProperty("futureSpec", List.of("a", "b"));
        pod.getSpec().getContainers().get(0).setAdditionalProperty("futureContainer", true);
        return pod;
    }

    @Test
    void preservesEverythingOrdinalDoesNotOwn() {
        Pod input = richPod();
        Pod pod = mutated(input, 2, SetSnapshot.of("default", "web", List.of(Members.pending(0))), NO_CLAIMS);
        assertThat(gates(pod))
                .as("gates: got %s, want the user's gate first, then Ordinal's", gates(pod))
                .containsExactly("example.com/wait", CLAIMS_GATE, ORDERED_GATE);
        assertThat(pod.getMetadata().getLabels())
                .as("labels: got %s", pod.getMetadata().getLabels())
                .containsEntry("app", "web")
                .containsEntry(SET_LABEL, "web");
        assertThat(pod.getMetadata().getAnnotations())
                .as("annotations: got %s", pod.getMetadata().getAnnotations())
                .containsEntry("example.com/owner", "team-a")
                .containsEntry(EPHEMERAL_VOLUMES_ANNOTATION, "scratch");
        assertThat(pod.getMetadata().getGenerateName())
                .as("generateName: got %s, want web-", pod.getMetadata().getGenerateName())
                .isEqualTo("web-");
        assertThat(pod.getSpec().getContainers())
                .as("containers: got %s, want unchanged", pod.getSpec().getContainers())
                .isEqualTo(input.getSpec().getContainers());
        assertThat(pod.getAdditionalProperties())
                .as("pod unknown fields: got %s", pod.getAdditionalProperties())
                .containsEntry("futureTopLevel", Map.of("k", "v"));
        assertThat(pod.getMetadata().getAdditionalProperties())
                .as("metadata unknown fields: got %s", pod.getMetadata().getAdditionalProperties())
                .containsEntry("futureMetadata", 1);
        assertThat(pod.getSpec().getAdditionalProperties())
                .as("spec unknown fields: got %s", pod.getSpec().getAdditionalProperties())
                .containsEntry("futureSpec", List.of("a", "b"));
        assertThat(pod.getStatus())
                .as("status: got %s, want unchanged", pod.getStatus())
                .isEqualTo(input.getStatus());
    }

    @Test
    void doesNotChangeTheInputPod() {
        Pod input = richPod();
        String before = PodFixtures.json(input);
        Pod copy = PodFixtures.deepCopy(input);
        mutated(input, 2, SetSnapshot.of("default", "web", List.of(Members.pending(0))), NO_CLAIMS);
        String after = PodFixtures.json(input);
        assertThat(after)
                .as("input pod after mutate: got %s, want %s", after, before)
                .isEqualTo(before);
        assertThat(input)
                .as("input pod after mutate: got changed, want equal to its deep copy")
                .isEqualTo(copy);
    }

    static Stream<Arguments> reinvocations() {
        return Stream.of(
                argumentSet("plain pod", PodFixtures.unnamed("web"), List.of(), Set.of()),
                argumentSet("claim missing", PodFixtures.unnamed("web").ephemeralVolume("data"), List.of(), Set.of()),
                argumentSet(
                        "claim exists",
                        PodFixtures.unnamed("web").ephemeralVolume("data"),
                        List.of(),
                        Set.of("data-web-2")),
                argumentSet("predecessor not ready", PodFixtures.unnamed("web"), List.of(Members.pending(0)), Set.of()),
                argumentSet(
                        "user gate and kept-ephemeral volume",
                        PodFixtures.unnamed("web")
                                .gate("example.com/wait")
                                .annotation(EPHEMERAL_VOLUMES_ANNOTATION, "scratch")
                                .ephemeralVolume("scratch")
                                .ephemeralVolume("data"),
                        List.of(Members.pending(1)),
                        Set.of()));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("reinvocations")
    void mutatingItsOwnOutputAgainChangesNothing(PodFixtures fixture, List<Member> members, Set<String> claims) {
        SetSnapshot snapshot = SetSnapshot.of("default", "web", members);
        Pod once = mutated(fixture.build(), 2, snapshot, claims::contains);
        Pod twice = mutated(PodFixtures.deepCopy(once), 2, snapshot, claims::contains);
        assertThat(PodFixtures.json(twice))
                .as("second mutate: got %s, want %s", PodFixtures.json(twice), PodFixtures.json(once))
                .isEqualTo(PodFixtures.json(once));
        assertThat(twice)
                .as("second mutate: got a different pod, want an equal one")
                .isEqualTo(once);
    }

    static Stream<Arguments> preparedInputs() {
        return Stream.of(
                argumentSet("ephemeral volume", PodFixtures.unnamed("web").ephemeralVolume("data")),
                argumentSet(
                        "kept-ephemeral and converted volumes",
                        PodFixtures.unnamed("web")
                                .annotation(EPHEMERAL_VOLUMES_ANNOTATION, "scratch")
                                .ephemeralVolume("scratch")
                                .ephemeralVolume("data")),
                // Odd on purpose: invalid for the API server too, but it validates only after mutation, when the
                // volume has already become a PVC and only Ordinal's annotation still shows the missing template.
                argumentSet(
                        "ephemeral volume without a claim template",
                        PodFixtures.unnamed("web").volume(PodFixtures.ephemeralVolumeOf("data", null))),
                argumentSet(
                        "ephemeral volume with a template without spec",
                        PodFixtures.unnamed("web")
                                .volume(PodFixtures.ephemeralVolumeOf(
                                        "data", PodFixtures.claimTemplateWithoutSpec()))));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("preparedInputs")
    void whateverPrepareAdmitsMutatesIntoAPodPrepareAdmitsAgain(PodFixtures fixture) {
        // prepare guards mutate. On re-invocation, and in the validating webhook, prepare sees mutate's output: a
        // pod it admitted must stay admitted, or Ordinal denies the pod for an annotation Ordinal wrote itself.
        Pod input = fixture.build();
        CreateRules.Prepared first = CreateRules.prepare(input);
        CreateRules.Prepared again = first instanceof CreateRules.Prepared.Member
                ? CreateRules.prepare(mutated(input, 0, EMPTY, NO_CLAIMS))
                : first;
        assertThat(again)
                .as("prepare(mutate(input)) after prepare(input) = %s: got %s, want the same kind", first, again)
                .hasSameClassAs(first);
    }

    @Test
    void asksOnlyAboutTheClaimsClaimNamesLists() {
        Pod input = PodFixtures.unnamed("web")
                .annotation(EPHEMERAL_VOLUMES_ANNOTATION, "scratch")
                .ephemeralVolume("data")
                .ephemeralVolume("logs")
                .ephemeralVolume("scratch")
                .emptyDir("cache")
                .build();
        List<String> asked = new ArrayList<>();
        PodIdentity.mutate(input, memberOf(input), 4, EMPTY, name -> asked.add(name) && false);
        List<String> listed = memberOf(input).claimNames(4);
        assertThat(listed)
                .as("claimNames: got %s, want [data-web-4, logs-web-4]", listed)
                .containsExactlyInAnyOrder("data-web-4", "logs-web-4");
        assertThat(listed)
                .as("claimNames: got %s, want every claim mutate asked about: %s", listed, asked)
                .containsAll(asked);
    }

    @Test
    void claimNamesIncludesTemplatesAlreadyRecorded() {
        // An already-mutated pod: its volume is a PVC now, and only the annotation remembers the template.
        Pod once = mutated(PodFixtures.unnamed("web").ephemeralVolume("data").build(), 2, EMPTY, NO_CLAIMS);
        List<String> got = memberOf(once).claimNames(2);
        assertThat(got)
                .as("claimNames of a mutated pod: got %s, want [data-web-2]", got)
                .containsExactly("data-web-2");
    }

    static Stream<Arguments> conflicts() {
        return Stream.of(
                argumentSet("hostname", PodFixtures.unnamed("web").hostname("db"), "spec.hostname", "db", "web-3"),
                argumentSet(
                        "subdomain", PodFixtures.unnamed("web").subdomain("other"), "spec.subdomain", "other", "web"),
                argumentSet(
                        "subdomain vs custom service",
                        PodFixtures.unnamed("web")
                                .annotation(SERVICE_ANNOTATION, "nginx")
                                .subdomain("web"),
                        "spec.subdomain",
                        "web",
                        "nginx"),
                argumentSet(
                        "pod-index label",
                        PodFixtures.unnamed("web").label(POD_INDEX_LABEL, "4"),
                        "label " + POD_INDEX_LABEL,
                        "4",
                        "3"),
                argumentSet(
                        "pod-name label",
                        PodFixtures.unnamed("web").label(POD_NAME_LABEL, "web-4"),
                        "label " + POD_NAME_LABEL,
                        "web-4",
                        "web-3"),
                argumentSet(
                        "deletion cost",
                        PodFixtures.unnamed("web").annotation(DELETION_COST_ANNOTATION, "100"),
                        "annotation " + DELETION_COST_ANNOTATION,
                        "100",
                        "-3"),
                argumentSet("empty hostname", PodFixtures.unnamed("web").hostname(""), "spec.hostname", "", "web-3"));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("conflicts")
    void deniesAUserValueForAFieldOrdinalOwns(PodFixtures fixture, String field, String actual, String wanted) {
        Pod input = fixture.build();
        Decision got = PodIdentity.mutate(input, memberOf(input), 3, EMPTY, NO_CLAIMS);
        assertThat(got).as("mutate: got %s, want Deny", got).isInstanceOf(Decision.Deny.class);
        Decision.Deny deny = (Decision.Deny) got;
        assertThat(deny.code()).as("code: got %d, want 403", deny.code()).isEqualTo(403);
        assertThat(deny.message())
                .as("message: got %s, want it to name %s, \"%s\" and \"%s\"", deny.message(), field, actual, wanted)
                .startsWith(field + " is \"" + actual + "\"")
                .contains("\"" + wanted + "\"")
                .contains("web-3");
    }

    @Test
    void acceptsUserValuesEqualToOrdinals() {
        Pod input = PodFixtures.pod("web", 3)
                .hostname("web-3")
                .subdomain("web")
                .label(POD_INDEX_LABEL, "3")
                .label(POD_NAME_LABEL, "web-3")
                .annotation(DELETION_COST_ANNOTATION, "-3")
                .build();
        Pod pod = mutated(input, 3, EMPTY, NO_CLAIMS);
        assertThat(pod.getSpec().getHostname())
                .as("hostname: got %s, want web-3", pod.getSpec().getHostname())
                .isEqualTo("web-3");
        List<PodIdentity.OwnedField> conflicts =
                PodIdentity.conflicts(input, memberOf(input).settings(), 3);
        assertThat(conflicts).as("conflicts: got %s, want none", conflicts).isEmpty();
    }

    @Test
    void listsEveryConflictingField() {
        Pod input = PodFixtures.unnamed("web")
                .hostname("a")
                .subdomain("b")
                .label(POD_INDEX_LABEL, "9")
                .label(POD_NAME_LABEL, "c")
                .annotation(DELETION_COST_ANNOTATION, "0")
                .build();
        List<String> got = PodIdentity.conflicts(input, memberOf(input).settings(), 3).stream()
                .map(PodIdentity.OwnedField::field)
                .toList();
        assertThat(got)
                .as("conflicting fields: got %s, want all five", got)
                .containsExactly(
                        "spec.hostname",
                        "spec.subdomain",
                        "label " + POD_INDEX_LABEL,
                        "label " + POD_NAME_LABEL,
                        "annotation " + DELETION_COST_ANNOTATION);
    }
}
