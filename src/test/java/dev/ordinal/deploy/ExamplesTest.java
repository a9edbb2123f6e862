package dev.ordinal.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The examples in deploy/examples parse, opt in to an ordinal set and use only valid Ordinal annotations. */
class ExamplesTest {

    static final Path EXAMPLES = Manifests.DEPLOY.resolve("examples");
    static final String SET_LABEL = "ordinal.dev/set";

    static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    static final Pattern NON_NEGATIVE = Pattern.compile("0|[1-9][0-9]{0,8}");

    /** SPEC §2 annotations and what each accepts (a mirror of the app's validation, for the examples only). */
    static final Map<String, Predicate<String>> ANNOTATIONS = Map.of(
            "ordinal.dev/service", v -> v.length() <= 63 && DNS_LABEL.matcher(v).matches(),
            "ordinal.dev/pod-management-policy", Set.of("OrderedReady", "Parallel")::contains,
            "ordinal.dev/ordering", Set.of("gate", "deny")::contains,
            "ordinal.dev/start-ordinal", v -> NON_NEGATIVE.matcher(v).matches(),
            "ordinal.dev/ephemeral-volumes",
                    v -> Arrays.stream(v.split(","))
                            .allMatch(n -> DNS_LABEL.matcher(n).matches()),
            "ordinal.dev/create-service", Set.of("true", "false")::contains,
            "ordinal.dev/min-ready-seconds", v -> NON_NEGATIVE.matcher(v).matches());

    /** One pod template (or bare pod) as a member of an ordinal set. */
    record Member(String source, ObjectMeta metadata, PodSpec spec) {
        String set() {
            return metadata.getLabels().get(SET_LABEL);
        }

        Map<String, String> ordinalAnnotations() {
            return metadata.getAnnotations().entrySet().stream()
                    .filter(e -> e.getKey().startsWith("ordinal.dev/"))
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        }

        /** Generic ephemeral volumes that become per-ordinal claims (not listed in ordinal.dev/ephemeral-volumes). */
        List<String> claimVolumes() {
            Set<String> kept = Set.of(metadata.getAnnotations()
                    .getOrDefault("ordinal.dev/ephemeral-volumes", "")
                    .split(","));
            return spec.getVolumes().stream()
                    .filter(v -> v.getEphemeral() != null)
                    .map(Volume::getName)
                    .filter(name -> !kept.contains(name))
                    .toList();
        }
    }

    static List<HasMetadata> read(String file) {
        return Manifests.read(EXAMPLES.resolve(file));
    }

    static List<Member> members() {
        Deployment web = Manifests.one(read("deployment.yaml"), Deployment.class, "web");
        Job batch = Manifests.one(read("job.yaml"), Job.class, "batch");
        Stream<Member> templates = Stream.of(
                new Member(
                        "deployment.yaml",
                        web.getSpec().getTemplate().getMetadata(),
                        web.getSpec().getTemplate().getSpec()),
                new Member(
                        "job.yaml",
                        batch.getSpec().getTemplate().getMetadata(),
                        batch.getSpec().getTemplate().getSpec()));
        Stream<Member> pods = Manifests.all(read("bare-pods.yaml"), Pod.class).stream()
                .map(pod ->
                        new Member("bare-pods.yaml " + pod.getMetadata().getName(), pod.getMetadata(), pod.getSpec()));
        return Stream.concat(templates, pods).toList();
    }

    static Stream<Arguments> memberCases() {
        return members().stream().map(m -> Arguments.of(named(m.source(), m)));
    }

    static Stream<Arguments> files() {
        return Stream.of("deployment.yaml", "job.yaml", "bare-pods.yaml").map(f -> Arguments.of(named(f, f)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void everyFieldIsKnownToTheKubernetesModel(String file) {
        List<HasMetadata> resources = read(file);
        assertThat(resources).isNotEmpty();
        assertThat(resources).flatMap(Manifests::unknownFields).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("memberCases")
    void podOptsInWithAValidSetName(Member member) {
        assertThat(member.set()).as("label %s", SET_LABEL).isNotNull().matches(DNS_LABEL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("memberCases")
    void podHasAnEphemeralVolumeThatBecomesAPerOrdinalClaim(Member member) {
        assertThat(member.claimVolumes()).isNotEmpty();
        for (String volume : member.claimVolumes()) {
            // <volume>-<set>-<n> must stay a valid object name for the claim.
            assertThat((volume + "-" + member.set() + "-99").length()).isLessThanOrEqualTo(63);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("memberCases")
    void ordinalAnnotationsAreKnownAndValid(Member member) {
        member.ordinalAnnotations().forEach((key, value) -> {
            assertThat(ANNOTATIONS).as("known annotation").containsKey(key);
            assertThat(ANNOTATIONS.get(key).test(value))
                    .as("got %s=%s, want a valid value", key, value)
                    .isTrue();
        });
    }

    @Test
    void deploymentRunsThreeWebReplicasWithRecreateAndADataVolume() {
        Deployment web = Manifests.one(read("deployment.yaml"), Deployment.class, "web");
        assertThat(web.getSpec().getReplicas()).isEqualTo(3);
        assertThat(web.getSpec().getStrategy().getType())
                .as("no surge past the ordinals")
                .isEqualTo("Recreate");
        assertThat(web.getSpec().getTemplate().getMetadata().getLabels()).containsEntry(SET_LABEL, "web");
        assertThat(web.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(web.getSpec().getSelector().getMatchLabels());
        PodSpec spec = web.getSpec().getTemplate().getSpec();
        assertThat(spec.getContainers()).anySatisfy(c -> {
            assertThat(c.getImage()).startsWith("nginx");
            assertThat(c.getPorts())
                    .anySatisfy(p -> assertThat(p.getContainerPort()).isEqualTo(80));
        });
        assertThat(spec.getVolumes())
                .filteredOn(v -> v.getName().equals("data"))
                .singleElement()
                .satisfies(v -> {
                    var claim = v.getEphemeral().getVolumeClaimTemplate().getSpec();
                    assertThat(claim.getAccessModes()).containsExactly("ReadWriteOnce");
                    assertThat(claim.getResources().getRequests().get("storage").toString())
                            .isEqualTo("1Gi");
                });
    }

    @Test
    void jobRunsThreeParallelWorkersWithAScratchClaim() {
        Job batch = Manifests.one(read("job.yaml"), Job.class, "batch");
        assertThat(batch.getSpec().getCompletions()).isEqualTo(3);
        assertThat(batch.getSpec().getParallelism()).isEqualTo(3);
        var template = batch.getSpec().getTemplate();
        assertThat(template.getMetadata().getLabels()).containsEntry(SET_LABEL, "batch");
        assertThat(template.getMetadata().getAnnotations())
                .containsEntry("ordinal.dev/pod-management-policy", "Parallel");
        assertThat(template.getSpec().getRestartPolicy()).isEqualTo("Never");
        Member member = new Member("job.yaml", template.getMetadata(), template.getSpec());
        assertThat(member.claimVolumes()).containsExactly("scratch");
    }

    @Test
    void barePodsAreNamedByOrdinalAndAgreeOnTheirSettings() {
        List<Pod> pods = Manifests.all(read("bare-pods.yaml"), Pod.class);
        assertThat(pods).extracting(p -> p.getMetadata().getName()).containsExactly("cache-0", "cache-1");
        assertThat(pods).allSatisfy(p -> assertThat(p.getMetadata().getLabels()).containsEntry(SET_LABEL, "cache"));
        List<Map<String, String>> settings = pods.stream()
                .map(p -> new Member(p.getMetadata().getName(), p.getMetadata(), p.getSpec()).ordinalAnnotations())
                .toList();
        assertThat(settings).as("all pods of a set must agree").containsOnly(settings.get(0));
        assertThat(pods)
                .allSatisfy(p -> assertThat(p.getSpec().getVolumes()).anySatisfy(v -> {
                    assertThat(v.getName()).isEqualTo("data");
                    assertThat(v.getEphemeral()).isNotNull();
                }));
    }

    @Test
    void barePodsBringTheirOwnHeadlessServiceAndSaySo() {
        List<HasMetadata> resources = read("bare-pods.yaml");
        Service service = Manifests.one(resources, Service.class, "cache");
        assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(service.getSpec().getSelector()).containsEntry(SET_LABEL, "cache");
        assertThat(Manifests.all(resources, Pod.class))
                .allSatisfy(p -> assertThat(p.getMetadata().getAnnotations())
                        .containsEntry("ordinal.dev/create-service", "false"));
    }
}
