package dev.ordinal.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TypedLocalObjectReference;
import io.fabric8.kubernetes.api.model.TypedObjectReference;
import io.fabric8.kubernetes.api.model.VolumeResourceRequirements;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The API server's volumeClaimTemplate rules as Ordinal applies them at admission (ClaimTemplateRules). */
class ClaimTemplateRulesTest {

    private static final String PATH = "ephemeral.volumeClaimTemplate";
    private static final String MODES = "ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod";

    /** The valid 1Gi ReadWriteOnce template of {@link PodFixtures#template}, changed by {@code edit}. */
    private static PersistentVolumeClaimTemplate template(Consumer<PersistentVolumeClaimTemplate> edit) {
        PersistentVolumeClaimTemplate t = PodFixtures.template("data");
        edit.accept(t);
        return t;
    }

    private static Consumer<PersistentVolumeClaimTemplate> storage(String quantity) {
        return t ->
                t.getSpec().getResources().setRequests(new LinkedHashMap<>(Map.of("storage", new Quantity(quantity))));
    }

    private static Consumer<PersistentVolumeClaimTemplate> modes(String... modes) {
        return t -> t.getSpec().setAccessModes(new ArrayList<>(List.of(modes)));
    }

    private static Consumer<PersistentVolumeClaimTemplate> labels(String key, String value) {
        return t -> t.getMetadata().getLabels().put(key, value);
    }

    private static Consumer<PersistentVolumeClaimTemplate> annotation(String key, String value) {
        return t -> t.getMetadata().setAnnotations(new LinkedHashMap<>(Map.of(key, value)));
    }

    private static Consumer<PersistentVolumeClaimTemplate> selector(String key, String operator, String... values) {
        return t -> t.getSpec()
                .setSelector(new LabelSelectorBuilder()
                        .addNewMatchExpression()
                        .withKey(key)
                        .withOperator(operator)
                        .withValues(values)
                        .endMatchExpression()
                        .build());
    }

    private static Consumer<PersistentVolumeClaimTemplate> dataSource(String apiGroup, String kind, String name) {
        return t -> t.getSpec().setDataSource(new TypedLocalObjectReference(apiGroup, kind, name));
    }

    private static Consumer<PersistentVolumeClaimTemplate> dataSourceRef(
            String apiGroup, String kind, String name, String namespace) {
        return t -> t.getSpec().setDataSourceRef(new TypedObjectReference(apiGroup, kind, name, namespace));
    }

    static Stream<Arguments> valid() {
        return Stream.of(
                argumentSet("1Gi ReadWriteOnce", template(t -> {})),
                argumentSet("ReadWriteOncePod alone", template(modes("ReadWriteOncePod"))),
                argumentSet(
                        "every other mode together", template(modes("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"))),
                argumentSet("decimal SI storage", template(storage("10G"))),
                argumentSet("fractional storage", template(storage("1.5Gi"))),
                argumentSet("decimal exponent storage", template(storage("1e9"))),
                argumentSet("signed storage", template(storage("+500Mi"))),
                argumentSet("exa storage", template(storage("1E"))),
                argumentSet("plain number of bytes", template(storage("1073741824"))),
                argumentSet(
                        "storage limit too",
                        template(t -> t.getSpec()
                                .getResources()
                                .setLimits(new LinkedHashMap<>(Map.of("storage", new Quantity("2Gi")))))),
                argumentSet("volumeMode Block", template(t -> t.getSpec().setVolumeMode("Block"))),
                argumentSet("volumeMode Filesystem", template(t -> t.getSpec().setVolumeMode("Filesystem"))),
                argumentSet(
                        "storage class a subdomain",
                        template(t -> t.getSpec().setStorageClassName("fast-ssd.example.com"))),
                // "" means no class at all (static provisioning), which the API server accepts.
                argumentSet("empty storage class", template(t -> t.getSpec().setStorageClassName(""))),
                argumentSet("prefixed label and empty label value", template(labels("example.com/tier", ""))),
                argumentSet(
                        "annotation key with capitals (checked lowercased)",
                        template(annotation("Example.COM/Owner", "team a, with any value!"))),
                // kubectl renders "metadata: {creationTimestamp: null}"; Go sees a zero value, so it is not set.
                argumentSet("empty name and zero generation", template(t -> {
                    t.getMetadata().setName("");
                    t.getMetadata().setGeneration(0L);
                })),
                argumentSet(
                        "selector In and Exists",
                        template(t -> t.getSpec()
                                .setSelector(new LabelSelectorBuilder()
                                        .addToMatchLabels("app", "db")
                                        .addNewMatchExpression()
                                        .withKey("zone")
                                        .withOperator("In")
                                        .withValues("a", "b")
                                        .endMatchExpression()
                                        .addNewMatchExpression()
                                        .withKey("ssd")
                                        .withOperator("Exists")
                                        .endMatchExpression()
                                        .build()))),
                argumentSet("dataSource a PVC", template(dataSource(null, "PersistentVolumeClaim", "seed"))),
                argumentSet(
                        "dataSource a VolumeSnapshot",
                        template(dataSource("snapshot.storage.k8s.io", "VolumeSnapshot", "snap-1"))),
                argumentSet(
                        "dataSource and dataSourceRef alike",
                        template(dataSource(null, "PersistentVolumeClaim", "seed")
                                .andThen(dataSourceRef(null, "PersistentVolumeClaim", "seed", null)))),
                argumentSet(
                        "dataSourceRef across namespaces",
                        template(dataSourceRef("snapshot.storage.k8s.io", "VolumeSnapshot", "snap-1", "backups"))));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("valid")
    void acceptsATemplateTheApiServerAccepts(PersistentVolumeClaimTemplate template) {
        List<String> got = ClaimTemplateRules.problems(PATH, template);
        assertThat(got).as("problems of %s: got %s, want none", template, got).isEmpty();
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                argumentSet(
                        "no template",
                        null,
                        List.of(PATH + " is required; allowed: a volumeClaimTemplate with a" + " spec")),
                argumentSet("no spec", template(t -> t.setSpec(null)), List.of(PATH + ".spec is required")),
                argumentSet(
                        "no access modes",
                        template(modes()),
                        List.of(PATH + ".spec.accessModes is required;" + " allowed: one or more of " + MODES)),
                argumentSet(
                        "unknown access mode",
                        template(modes("ReadWriteOnce", "ReadWriteAll")),
                        List.of(PATH + ".spec.accessModes[1] \"ReadWriteAll\" is not supported; allowed: " + MODES)),
                argumentSet(
                        "ReadWriteOncePod with another mode",
                        template(modes("ReadWriteOncePod", "ReadOnlyMany")),
                        List.of(PATH + ".spec.accessModes combines ReadWriteOncePod with other access modes;"
                                + " allowed: ReadWriteOncePod alone")),
                argumentSet(
                        "no resources",
                        template(t -> t.getSpec().setResources(null)),
                        List.of(
                                PATH
                                        + ".spec.resources.requests.storage is required; allowed: a quantity greater than zero")),
                argumentSet(
                        "requests without storage",
                        template(t -> t.getSpec()
                                .setResources(new VolumeResourceRequirements(null, Map.of("cpu", new Quantity("1"))))),
                        List.of(PATH + ".spec.resources.requests.storage is required")),
                argumentSet(
                        "storage not a quantity",
                        template(storage("lots")),
                        List.of(PATH
                                + ".spec.resources.requests.storage \"lots\" is not a quantity; allowed: a Kubernetes quantity"
                                + " such as 1Gi")),
                argumentSet("storage with a byte unit", template(storage("1Gb")), List.of("\"1Gb\" is not a quantity")),
                // fabric8 alone would read "1m3" as 10^3; Kubernetes has no suffix "m3".
                argumentSet(
                        "storage with a made-up suffix",
                        template(storage("1m3")),
                        List.of("\"1m3\" is not a" + " quantity")),
                argumentSet("storage in other digits", template(storage("\u0661Gi")), List.of("is not a quantity")),
                argumentSet(
                        "storage over 64 characters", template(storage("1".repeat(65))), List.of("is not a quantity")),
                argumentSet(
                        "storage zero",
                        template(storage("0")),
                        List.of(PATH + ".spec.resources.requests.storage"
                                + " \"0\" is not greater than zero; allowed: a quantity greater than zero")),
                argumentSet(
                        "storage negative",
                        template(storage("-1Gi")),
                        List.of("\"-1Gi\" is not greater than" + " zero")),
                argumentSet(
                        "a limit not a quantity",
                        template(t -> t.getSpec()
                                .getResources()
                                .setLimits(new LinkedHashMap<>(Map.of("storage", new Quantity("big"))))),
                        List.of(PATH + ".spec.resources.limits.storage \"big\" is not a quantity")),
                argumentSet(
                        "unknown volumeMode",
                        template(t -> t.getSpec().setVolumeMode("Raw")),
                        List.of(PATH + ".spec.volumeMode \"Raw\" is not supported; allowed: Filesystem, Block")),
                argumentSet(
                        "storage class not a subdomain",
                        template(t -> t.getSpec().setStorageClassName("Fast_SSD")),
                        List.of(PATH + ".spec.storageClassName \"Fast_SSD\" is not a valid StorageClass"
                                + " name; allowed: a DNS-1123 subdomain")),
                argumentSet(
                        "volume attributes class not a subdomain",
                        template(t -> t.getSpec().setVolumeAttributesClassName("gold!")),
                        List.of(PATH + ".spec.volumeAttributesClassName"
                                + " \"gold!\" is not a valid VolumeAttributesClass name")),
                argumentSet(
                        "label key not a qualified name",
                        template(labels("-tier", "db")),
                        List.of(PATH
                                + ".metadata.labels: key \"-tier\" is not a valid label key; allowed: an optional DNS-1123"
                                + " subdomain prefix")),
                argumentSet("label key with two slashes", template(labels("a/b/c", "db")), List.of("key \"a/b/c\"")),
                argumentSet(
                        "label key prefix with capitals",
                        template(labels("Example.com/tier", "db")),
                        List.of("key \"Example.com/tier\" is not a valid label key")),
                argumentSet(
                        "label value with a space",
                        template(labels("tier", "a b")),
                        List.of(
                                PATH
                                        + ".metadata.labels[\"tier\"]: value \"a b\" is not a valid label value; allowed: at most 63")),
                argumentSet(
                        "label value of 64 characters",
                        template(labels("tier", "a".repeat(64))),
                        List.of("is not a valid label value")),
                argumentSet(
                        "annotation key with an empty prefix",
                        template(annotation("/note", "x")),
                        List.of(PATH + ".metadata.annotations: key \"/note\" is not a valid annotation key")),
                argumentSet(
                        "annotations over 256 KiB",
                        template(annotation("note", "x".repeat(256 * 1024))),
                        List.of(PATH + ".metadata.annotations are 262148 bytes in total; allowed: at most 262144")),
                argumentSet(
                        "metadata.name set",
                        template(t -> t.getMetadata().setName("data")),
                        List.of(PATH
                                + ".metadata.name cannot be set in a claim template; allowed: only metadata.labels and"
                                + " metadata.annotations")),
                argumentSet(
                        "metadata.namespace and finalizers set",
                        template(t -> {
                            t.getMetadata().setNamespace("other");
                            t.getMetadata().setFinalizers(List.of("example.com/keep"));
                        }),
                        List.of(".metadata.namespace cannot be set", ".metadata.finalizers cannot be set")),
                argumentSet(
                        "selector operator unknown",
                        template(selector("zone", "Has", "a")),
                        List.of(PATH
                                + ".spec.selector.matchExpressions[0].operator \"Has\" is not a valid selector operator;"
                                + " allowed: In, NotIn, Exists, DoesNotExist")),
                argumentSet(
                        "selector In without values",
                        template(selector("zone", "In")),
                        List.of(PATH + ".spec.selector.matchExpressions[0].values is required for operator In")),
                argumentSet(
                        "selector Exists with values",
                        template(selector("zone", "Exists", "a")),
                        List.of(".values must be empty for operator Exists")),
                argumentSet(
                        "selector key and value invalid",
                        template(selector("zone?", "In", "a b")),
                        List.of(
                                ".matchExpressions[0].key \"zone?\" is not a valid label key",
                                ".matchExpressions[0].values[0] \"a b\" is not a valid label value")),
                argumentSet(
                        "selector matchLabels value invalid",
                        template(t -> t.getSpec()
                                .setSelector(new LabelSelectorBuilder()
                                        .addToMatchLabels("app", "a b")
                                        .build())),
                        List.of(PATH + ".spec.selector.matchLabels[\"app\"]: value \"a b\"")),
                argumentSet(
                        "dataSource without name and kind",
                        template(dataSource(null, null, null)),
                        List.of(
                                PATH + ".spec.dataSource.name is required",
                                PATH + ".spec.dataSource.kind is required")),
                argumentSet(
                        "dataSource of another kind without apiGroup",
                        template(dataSource(null, "VolumeSnapshot", "snap-1")),
                        List.of(PATH + ".spec.dataSource.kind \"VolumeSnapshot\" without an apiGroup is"
                                + " not supported; allowed: PersistentVolumeClaim, or set apiGroup")),
                argumentSet(
                        "dataSource apiGroup not a subdomain",
                        template(dataSource("Snapshot_Storage", "VolumeSnapshot", "snap-1")),
                        List.of(".dataSource.apiGroup \"Snapshot_Storage\" is not a" + " valid API group")),
                argumentSet(
                        "dataSourceRef namespace not a label",
                        template(dataSourceRef(null, "PersistentVolumeClaim", "seed", "Other_NS")),
                        List.of(PATH + ".spec.dataSourceRef.namespace" + " \"Other_NS\" is not a namespace name")),
                argumentSet(
                        "dataSource beside a cross-namespace dataSourceRef",
                        template(dataSource(null, "PersistentVolumeClaim", "seed")
                                .andThen(dataSourceRef(null, "PersistentVolumeClaim", "seed", "other"))),
                        List.of(PATH + ".spec.dataSource cannot be set when" + " dataSourceRef.namespace is set")),
                argumentSet(
                        "dataSource and dataSourceRef differ",
                        template(dataSource(null, "PersistentVolumeClaim", "seed")
                                .andThen(dataSourceRef(null, "PersistentVolumeClaim", "other-seed", null))),
                        List.of(PATH + ".spec.dataSource must match dataSourceRef")),
                argumentSet(
                        "several problems, all reported",
                        template(modes().andThen(storage("0"))
                                .andThen(t -> t.getSpec().setVolumeMode("Raw"))),
                        List.of(
                                ".spec.accessModes is required",
                                ".spec.resources.requests.storage \"0\" is not greater than zero",
                                ".spec.volumeMode \"Raw\" is not supported")));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("invalid")
    void findsWhatTheApiServerWouldRefuse(PersistentVolumeClaimTemplate template, List<String> fragments) {
        List<String> got = ClaimTemplateRules.problems(PATH, template);
        assertThat(got).as("problems: got none, want %s", fragments).isNotEmpty();
        String all = String.join(" | ", got);
        for (String fragment : fragments) {
            assertThat(all)
                    .as("problems: got %s, want one containing %s", all, fragment)
                    .contains(fragment);
        }
        for (String problem : got) {
            assertThat(problem)
                    .as("problem %s: want it to start with the field and say what is allowed", problem)
                    .startsWith(PATH)
                    .contains("; allowed: ");
        }
    }

    @Test
    void describePrefixesEveryProblemAndListsAtMostFive() {
        PersistentVolumeClaimTemplate t = template(t0 -> {
            for (int i = 0; i < 7; i++) {
                t0.getMetadata().getLabels().put("bad key " + i, "v");
            }
        });
        Optional<String> got = ClaimTemplateRules.describe("volume \"data\": ", PATH, t);
        assertThat(got).as("describe: got nothing, want a message").isPresent();
        String message = got.get();
        assertThat(message.split("volume \"data\": ", -1))
                .as("message %s: want 5 prefixed problems", message)
                .hasSize(6);
        assertThat(message).as("message: got %s", message).endsWith("; and 2 more problem(s) in " + PATH);
    }

    @Test
    void describeIsEmptyForAValidTemplate() {
        Optional<String> got = ClaimTemplateRules.describe("volume \"data\": ", PATH, PodFixtures.template("data"));
        assertThat(got)
                .as("describe of a valid template: got %s, want empty", got)
                .isEmpty();
    }

    static Stream<Arguments> quantities() {
        return Stream.of(
                argumentSet("1Gi", "1Gi", "1073741824"),
                argumentSet("500Mi", "500Mi", "524288000"),
                argumentSet("10G", "10G", "10000000000"),
                argumentSet("1e3", "1e3", "1000"),
                argumentSet("1E3 (exponent, not exa)", "1E3", "1000"),
                argumentSet("1.5Ki", "1.5Ki", "1536"),
                argumentSet("100m", "100m", "0.1"));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("quantities")
    void readsKubernetesQuantities(String text, String want) {
        Optional<java.math.BigDecimal> got = ClaimTemplateRules.valueOf(new Quantity(text));
        assertThat(got).as("valueOf(%s): got %s, want %s", text, got, want).isPresent();
        assertThat(got.get().compareTo(new java.math.BigDecimal(want)))
                .as("valueOf(%s): got %s, want %s", text, got.get(), want)
                .isZero();
    }

    static Stream<Arguments> notQuantities() {
        return Stream.of(
                        "lots",
                        "1Gb",
                        "1m3",
                        "1Ki3",
                        "1e",
                        "1e3.5",
                        "0x10",
                        "1 Gi",
                        " 1Gi",
                        "NaN",
                        "Infinity",
                        "1e9999999999",
                        "Gi")
                .map(s -> argumentSet(s, s));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("notQuantities")
    void rejectsWhatIsNoKubernetesQuantity(String text) {
        Optional<java.math.BigDecimal> got = ClaimTemplateRules.valueOf(new Quantity(text, null));
        assertThat(got).as("valueOf(%s): got %s, want empty", text, got).isEmpty();
    }

    @Test
    void qualifiedNamesAndLabelValuesFollowApimachinery() {
        Map<String, Boolean> names = Map.of(
                "app",
                true,
                "example.com/app",
                true,
                "a.b-c_d",
                true,
                "Example.com/app",
                false,
                "/app",
                false,
                "app/",
                false,
                "a/b/c",
                false,
                "a".repeat(63),
                true,
                "a".repeat(64),
                false,
                "x".repeat(254) + "/a",
                false);
        names.forEach((name, want) -> assertThat(ClaimTemplateRules.isQualifiedName(name))
                .as("isQualifiedName(%s): want %s", name, want)
                .isEqualTo(want));
        Map<String, Boolean> values = Map.of(
                "",
                true,
                "db",
                true,
                "a.b-c_D9",
                true,
                "-db",
                false,
                "db-",
                false,
                "a b",
                false,
                "a".repeat(63),
                true,
                "a".repeat(64),
                false);
        values.forEach((value, want) -> assertThat(ClaimTemplateRules.isLabelValue(value))
                .as("isLabelValue(%s): want %s", value, want)
                .isEqualTo(want));
    }

    @Test
    void aTemplateWithoutMetadataIsChecked() {
        PersistentVolumeClaimTemplate t = template(t0 -> t0.setMetadata((ObjectMeta) null));
        List<String> got = ClaimTemplateRules.problems(PATH, t);
        assertThat(got)
                .as("problems of a template without metadata: got %s, want none", got)
                .isEmpty();
    }
}
