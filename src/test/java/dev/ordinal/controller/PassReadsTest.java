package dev.ordinal.controller;

import static dev.ordinal.identity.OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.cluster.SetKey;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** One pass reads the namespace's claims once and parses each distinct claim-templates value once. */
class PassReadsTest {

    private static final String TEMPLATES = "{\"data\":{\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],"
            + "\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}}";

    private int claimReads;

    private final ClusterReader reader = new ClusterReader() {
        @Override
        public boolean synced() {
            return true;
        }

        @Override
        public Collection<SetKey> sets() {
            return List.of();
        }

        @Override
        public List<Pod> pods(SetKey key) {
            return List.of();
        }

        @Override
        public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
            throw new AssertionError("a pass reads claims through claims(namespace), once");
        }

        @Override
        public List<PersistentVolumeClaim> claims(String namespace) {
            claimReads++;
            return List.of(cachedClaim(namespace, "data-web-0"), cachedClaim(namespace, "data-web-1"));
        }

        private PersistentVolumeClaim cachedClaim(String namespace, String name) {
            return new PersistentVolumeClaimBuilder()
                    .withNewMetadata()
                    .withNamespace(namespace)
                    .withName(name)
                    .endMetadata()
                    .build();
        }

        @Override
        public Optional<Service> service(String namespace, String name) {
            return Optional.empty();
        }

        @Override
        public Set<Integer> reserved(SetKey key) {
            return Set.of();
        }

        @Override
        public void onSetChange(Consumer<SetKey> listener) {}
    };

    @Test
    void readsTheNamespacesClaimsOnceAndOnlyWhenAsked() {
        PassReads reads = new PassReads(reader, "ns-1");
        assertThat(claimReads).isZero();

        assertThat(reads.claim("data-web-1"))
                .get()
                .extracting(c -> c.getMetadata().getName())
                .isEqualTo("data-web-1");
        assertThat(reads.claim("data-web-7")).isEmpty();
        assertThat(reads.claims())
                .extracting(c -> c.getMetadata().getName())
                .containsExactly("data-web-0", "data-web-1");

        assertThat(claimReads).isEqualTo(1);
    }

    @Test
    void parsesEachDistinctTemplatesValueOnce() {
        PassReads reads = new PassReads(reader, "ns-1");
        Pod first = pod("web-0", TEMPLATES);
        Pod second = pod("web-1", new String(TEMPLATES.toCharArray()));

        assertThat(reads.templatesOf(first)).get().satisfies(t -> assertThat(t).containsOnlyKeys("data"));
        assertThat(reads.templatesOf(second).get())
                .as("the same parsed value, not a second parse")
                .isSameAs(reads.templatesOf(first).get());
        assertThat(reads.templatesOf(pod("web-2", "{\"data\":{}}")))
                .as("a template without a spec is invalid")
                .isEmpty();
        assertThat(reads.templatesOf(pod("web-3", null))).isEmpty();
    }

    private static Pod pod(String name, String templates) {
        PodBuilder pod = new PodBuilder()
                .withNewMetadata()
                .withNamespace("ns-1")
                .withName(name)
                .endMetadata();
        if (templates != null) {
            pod.editMetadata()
                    .addToAnnotations(CLAIM_TEMPLATES_ANNOTATION, templates)
                    .endMetadata();
        }
        return pod.build();
    }
}
