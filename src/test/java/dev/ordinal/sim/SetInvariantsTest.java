package dev.ordinal.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.identity.OrdinalKeys;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The invariant checker catches each kind of violation it claims to, and passes a correct ordered start. */
class SetInvariantsTest {

    /** One observed step: the state after it, and the pod that changed. */
    record Step(List<Pod> pods, Pod before, Pod after) {}

    static Stream<Arguments> steps() {
        return Stream.of(
                Arguments.of(
                        Named.of(
                                "web-1 released while web-0 is Ready",
                                step(
                                        List.of(pod(0).ready(), pod(1).pending()),
                                        pod(1).gated().pending(),
                                        pod(1).pending())),
                        null),
                Arguments.of(
                        Named.of(
                                "web-1 released while web-0 is still Pending",
                                step(
                                        List.of(pod(0).pending(), pod(1).pending()),
                                        pod(1).gated().pending(),
                                        pod(1).pending())),
                        "web-1 was released from ordinal.dev/ordered while web-0 is not Running and Ready"),
                Arguments.of(
                        Named.of(
                                "web-2 created ungated while web-1 is missing",
                                step(List.of(pod(0).ready(), pod(2).pending()), null, pod(2).pending())),
                        "web-2 was created without ordinal.dev/ordered while web-1 does not exist"),
                Arguments.of(
                        Named.of(
                                "successor Ready before its predecessor",
                                step(List.of(pod(0).notReady(), pod(1).ready()), pod(1).notReady(), pod(1).ready())),
                        "web-1 became Ready while web-0 is not Running and Ready"),
                Arguments.of(
                        Named.of(
                                "two pods starting at once",
                                step(List.of(pod(0).pending(), pod(1).pending()), pod(1).pending(), pod(1).pending())),
                        "2 pods starting at once"),
                Arguments.of(
                        Named.of(
                                "ordered gate in a Parallel set",
                                step(
                                        List.of(pod(0).parallel().gated().pending()),
                                        null,
                                        pod(0).parallel().gated().pending())),
                        "carries ordinal.dev/ordered in a Parallel set"),
                Arguments.of(
                        Named.of(
                                "gate added after creation",
                                step(
                                        List.of(pod(0).ready(), pod(1).gated().pending()),
                                        pod(1).pending(),
                                        pod(1).gated().pending())),
                        "gained scheduling gates [ordinal.dev/ordered]"),
                Arguments.of(
                        Named.of(
                                "pod-index label disagrees with the name",
                                step(
                                        List.of(pod(0).with(p -> label(p, OrdinalKeys.POD_INDEX_LABEL, "3"))
                                                .ready()),
                                        null,
                                        null)),
                        "label apps.kubernetes.io/pod-index is \"3\", want \"0\""),
                Arguments.of(
                        Named.of(
                                "hostname not the pod name",
                                step(
                                        List.of(pod(0).with(p -> {
                                                    p.getSpec().setHostname("db-0");
                                                    return p;
                                                })
                                                .ready()),
                                        null,
                                        null)),
                        "spec.hostname is \"db-0\", want \"web-0\""),
                Arguments.of(
                        Named.of(
                                "claim not named after the ordinal",
                                step(
                                        List.of(pod(0).with(p -> {
                                                    p.getSpec()
                                                            .getVolumes()
                                                            .get(0)
                                                            .getPersistentVolumeClaim()
                                                            .setClaimName("data-web-9");
                                                    return p;
                                                })
                                                .ready()),
                                        null,
                                        null)),
                        "claim of volume data is \"data-web-9\", want \"data-web-0\""),
                Arguments.of(
                        Named.of(
                                "bound pod whose claim is missing",
                                step(
                                        List.of(pod(0).with(p -> {
                                                    p.getSpec().setNodeName("n1");
                                                    return p;
                                                })
                                                .pending()),
                                        null,
                                        null)),
                        "web-0 is bound to n1 but its claim data-web-0 does not exist"),
                Arguments.of(
                        Named.of(
                                "name outside the set",
                                step(
                                        List.of(pod(0).with(p -> {
                                                    p.getMetadata().setName("web-x");
                                                    return p;
                                                })
                                                .ready()),
                                        null,
                                        null)),
                        "pod web-x of set web is not named web-<n>"));
    }

    @ParameterizedTest
    @MethodSource("steps")
    void reportsEachViolation(Step step, String want) {
        List<String> got = SetInvariants.afterPodStep(
                step.pods(),
                step.before(),
                step.after(),
                Set.of(),
                claim -> !claim.equals("data-web-0")
                        || step.pods().stream()
                                .noneMatch(p -> "n1".equals(p.getSpec().getNodeName())));
        if (want == null) {
            assertThat(got).as("got %s, want no violation", got).isEmpty();
        } else {
            assertThat(got)
                    .as("got %s, want one containing %s", got, want)
                    .anySatisfy(v -> assertThat(v).contains(want));
        }
    }

    private static Step step(List<Pod> pods, Pod before, Pod after) {
        return new Step(pods, before, after);
    }

    private static Pod label(Pod p, String key, String value) {
        p.getMetadata().getLabels().put(key, value);
        return p;
    }

    private static Fixture pod(int n) {
        return new Fixture(n);
    }

    /** A pod of set {@code web} exactly as Ordinal stores it; each method returns a variation of it. */
    static final class Fixture {
        private final int n;
        private final List<UnaryOperator<Pod>> edits = new ArrayList<>();

        Fixture(int n) {
            this.n = n;
        }

        Fixture with(UnaryOperator<Pod> edit) {
            edits.add(edit);
            return this;
        }

        Fixture gated() {
            return with(p -> new PodBuilder(p)
                    .editSpec()
                    .addNewSchedulingGate(OrdinalKeys.ORDERED_GATE)
                    .endSpec()
                    .build());
        }

        Fixture parallel() {
            return with(p -> {
                p.getMetadata().getAnnotations().put(OrdinalKeys.POLICY_ANNOTATION, "Parallel");
                return p;
            });
        }

        Pod ready() {
            return build("Running", "True");
        }

        Pod notReady() {
            return build("Running", "False");
        }

        Pod pending() {
            return build("Pending", null);
        }

        private Pod build(String phase, String ready) {
            String name = "web-" + n;
            PodBuilder b = new PodBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withUid("uid-" + n)
                    .addToLabels(OrdinalKeys.SET_LABEL, "web")
                    .addToLabels(OrdinalKeys.POD_INDEX_LABEL, "" + n)
                    .addToLabels(OrdinalKeys.POD_NAME_LABEL, name)
                    .addToAnnotations(OrdinalKeys.DELETION_COST_ANNOTATION, Integer.toString(-n))
                    .addToAnnotations(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION, "{\"data\":{}}")
                    .endMetadata()
                    .withNewSpec()
                    .withHostname(name)
                    .withSubdomain("web")
                    .addNewContainer()
                    .withName("app")
                    .withImage("nginx")
                    .endContainer()
                    .addNewVolume()
                    .withName("data")
                    .withNewPersistentVolumeClaim()
                    .withClaimName("data-" + name)
                    .endPersistentVolumeClaim()
                    .endVolume()
                    .endSpec()
                    .withNewStatus()
                    .withPhase(phase)
                    .endStatus();
            if (ready != null) {
                b.editStatus()
                        .addNewCondition()
                        .withType("Ready")
                        .withStatus(ready)
                        .endCondition()
                        .endStatus();
            }
            Pod pod = b.build();
            for (UnaryOperator<Pod> e : edits) {
                pod = e.apply(pod);
            }
            return pod;
        }
    }
}
