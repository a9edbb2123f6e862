package dev.ordinal.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheLagTest {

    private static Member member(int n, boolean terminating) {
        return new Member("web-" + n, "uid-" + n, n, terminating, "Running", !terminating, null, null, List.of(), null);
    }

    private static Pod pod(String name, String uid, boolean terminating) {
        PodFixtures pod = PodFixtures.pod("web", name).uid(uid);
        return (terminating ? pod.terminating() : pod).build();
    }

    private static final SetSnapshot CACHED =
            SetSnapshot.of("ns", "web", List.of(member(0, false), member(1, false), member(2, false)));

    @Test
    void onlyAControllersCreationAboveTheHighestLiveOrdinalIsChecked() {
        assertThat(CacheLag.needsLiveCheck("ReplicaSet/web-1a2b", 3, CACHED)).isTrue();
        assertThat(CacheLag.needsLiveCheck(null, 3, CACHED)).as("a bare pod").isFalse();
        assertThat(CacheLag.needsLiveCheck("ReplicaSet/web-1a2b", 1, CACHED))
                .as("fills a gap")
                .isFalse();
        assertThat(CacheLag.needsLiveCheck("ReplicaSet/web-1a2b", 0, SetSnapshot.empty("ns", "web")))
                .as("the first pod")
                .isFalse();
    }

    @Test
    void aMemberTheApiServerShowsTerminatingOrGoneIsVacated() {
        List<Pod> live = List.of(pod("web-0", "uid-0", false), pod("web-1", "uid-1", true));
        assertThat(CacheLag.vacated(CACHED, live)).containsExactly("web-1", "web-2");
    }

    @Test
    void aCacheThatAgreesVacatesNothing() {
        List<Pod> live =
                List.of(pod("web-0", "uid-0", false), pod("web-1", "uid-1", false), pod("web-2", "uid-2", false));
        assertThat(CacheLag.vacated(CACHED, live)).isEmpty();
    }

    @Test
    void aNewerPodOfTheSameNameIsLiveAndATerminatingCachedMemberIsNotCounted() {
        SetSnapshot cached = SetSnapshot.of("ns", "web", List.of(member(0, false), member(1, true)));
        List<Pod> live = List.of(pod("web-0", "uid-0-new", false));
        assertThat(CacheLag.vacated(cached, live)).isEmpty();
    }

    @Test
    void theRefusalIsARetryNamingTheVacatedPods() {
        Decision.Deny deny = CacheLag.retryLater("web", 3, List.of("web-1"));
        assertThat(deny.code()).isEqualTo(429);
        assertThat(deny.message()).contains("web-1 was deleted moments ago").contains("web-3");
    }
}
