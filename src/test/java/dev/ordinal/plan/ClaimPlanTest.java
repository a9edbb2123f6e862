package dev.ordinal.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.identity.ClaimTemplates;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The storage step: which claims to create, reuse or wait for, and when the claims gate may go. */
class ClaimPlanTest {

    static PersistentVolumeClaimTemplate template(String size) {
        return PodFixtures.claimTemplate(size);
    }

    static String templates() {
        Map<String, PersistentVolumeClaimTemplate> t = new TreeMap<>();
        t.put("data", template("1Gi"));
        t.put("logs", template("2Gi"));
        return ClaimTemplates.encode(t);
    }

    static PodFixtures gatedPod() {
        return PodFixtures.stored("web", 2)
                .gate(OrdinalKeys.CLAIMS_GATE)
                .annotation(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION, templates());
    }

    static PersistentVolumeClaim pvc(String name, boolean deleting) {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("ns")
                .withDeletionTimestamp(deleting ? Instant.EPOCH.toString() : null)
                .endMetadata()
                .build();
    }

    static Function<String, Optional<PersistentVolumeClaim>> existing(PersistentVolumeClaim... pvcs) {
        return name -> Stream.of(pvcs)
                .filter(p -> p.getMetadata().getName().equals(name))
                .findFirst();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(
                        "missing claims are created",
                        gatedPod().build(),
                        existing(),
                        List.of("data-web-2 CREATE", "logs-web-2 CREATE"),
                        true),
                Arguments.of(
                        "an existing claim is reused",
                        gatedPod().build(),
                        existing(pvc("data-web-2", false)),
                        List.of("data-web-2 REUSE", "logs-web-2 CREATE"),
                        true),
                Arguments.of(
                        "a claim being deleted is waited for",
                        gatedPod().build(),
                        existing(pvc("data-web-2", true), pvc("logs-web-2", false)),
                        List.of("data-web-2 TERMINATING", "logs-web-2 REUSE"),
                        false),
                Arguments.of(
                        "a gated pod without templates has nothing to wait for",
                        PodFixtures.stored("web", 2)
                                .gate(OrdinalKeys.CLAIMS_GATE)
                                .build(),
                        existing(),
                        List.of(),
                        true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void plansEachClaim(
            String name,
            Pod pod,
            Function<String, Optional<PersistentVolumeClaim>> existing,
            List<String> want,
            boolean releasable) {
        pod.getMetadata().setNamespace("ns");
        ClaimPlan.Plan plan = ClaimPlan.plan(pod, "web", existing);
        assertThat(plan).isInstanceOf(ClaimPlan.Plan.Claims.class);
        ClaimPlan.Plan.Claims claims = (ClaimPlan.Plan.Claims) plan;
        List<String> got =
                claims.claims().stream().map(c -> c.name() + " " + c.action()).toList();
        assertThat(got).as("got %s, want %s", got, want).isEqualTo(want);
        assertThat(claims.gateReleasable()).as("gate releasable").isEqualTo(releasable);
    }

    static Stream<Arguments> nothingToDo() {
        Pod terminating = gatedPod().build();
        terminating.getMetadata().setDeletionTimestamp(Instant.EPOCH.toString());
        return Stream.of(
                Arguments.of(
                        "no claims gate",
                        PodFixtures.stored("web", 2)
                                .annotation(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION, templates())
                                .build()),
                Arguments.of("terminating pod", terminating));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nothingToDo")
    void leavesPodsThatAreNotWaitingForClaimsAlone(String name, Pod pod) {
        assertThat(ClaimPlan.plan(pod, "web", existing())).isInstanceOf(ClaimPlan.Plan.NotGated.class);
    }

    @Test
    void reportsAnUnusableTemplatesAnnotation() {
        Pod pod = PodFixtures.stored("web", 2)
                .gate(OrdinalKeys.CLAIMS_GATE)
                .annotation(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION, "{not json")
                .build();
        ClaimPlan.Plan plan = ClaimPlan.plan(pod, "web", existing());
        assertThat(plan).isInstanceOf(ClaimPlan.Plan.Invalid.class);
        assertThat(((ClaimPlan.Plan.Invalid) plan).reason())
                .contains(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION)
                .contains("web-2");
    }

    @Test
    void createdClaimCarriesTheTemplateSpecLabelsAndAnnotationsAndNoOwner() {
        PersistentVolumeClaimTemplate t = template("1Gi");
        PersistentVolumeClaim pvc = ClaimPlan.claimFor("ns", "web", "data-web-2", t);
        assertThat(pvc.getMetadata().getName()).isEqualTo("data-web-2");
        assertThat(pvc.getMetadata().getNamespace()).isEqualTo("ns");
        assertThat(pvc.getMetadata().getLabels())
                .containsExactlyInAnyOrderEntriesOf(Map.of("tier", "db", OrdinalKeys.SET_LABEL, "web"));
        assertThat(pvc.getMetadata().getAnnotations()).containsExactlyEntriesOf(Map.of("example.com/backup", "daily"));
        assertThat(pvc.getMetadata().getOwnerReferences())
                .as("outlives the pod")
                .isNullOrEmpty();
        assertThat(pvc.getSpec()).isEqualTo(t.getSpec());
        pvc.getSpec().setStorageClassName("changed");
        assertThat(t.getSpec().getStorageClassName()).as("template not shared").isEqualTo("fast");
    }
}
