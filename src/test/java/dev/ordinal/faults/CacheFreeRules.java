package dev.ordinal.faults;

import static dev.ordinal.support.AdmissionClient.createReview;
import static dev.ordinal.support.AdmissionClient.review;
import static dev.ordinal.support.AdmissionClient.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;

/** The admission answers that need no cache, checked while the cache is unsynced or stale. */
final class CacheFreeRules {

    private CacheFreeRules() {}

    /** A pod of no set is allowed; an UPDATE of a foreign label is allowed, one of {@code pod-index} denied (403). */
    static void assertStillApply(String ns) {
        Pod outsider =
                PodFixtures.member("other").withoutLabel(OrdinalKeys.SET_LABEL).build();
        assertThat(send("/mutate-pods", createReview(outsider, ns))
                        .path("allowed")
                        .asBoolean())
                .as("a pod of no set")
                .isTrue();
        Pod stored = PodFixtures.stored("web", 0).ready().build();
        Pod relabelled =
                PodFixtures.stored("web", 0).ready().label("tier", "db").build();
        assertThat(send("/validate-pods", review("UPDATE", relabelled, stored, ns, "alice", false))
                        .path("allowed")
                        .asBoolean())
                .as("UPDATE of a label Ordinal does not own")
                .isTrue();
        Pod moved = PodFixtures.stored("web", 0)
                .ready()
                .label(OrdinalKeys.POD_INDEX_LABEL, "7")
                .build();
        JsonNode denied = send("/validate-pods", review("UPDATE", moved, stored, ns, "alice", false));
        assertThat(denied.path("allowed").asBoolean())
                .as("UPDATE of pod-index: %s", denied)
                .isFalse();
        assertThat(denied.path("status").path("code").asInt())
                .as("UPDATE of pod-index: %s", denied)
                .isEqualTo(403);
    }
}
