package dev.ordinal.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ListPageSizeTest {

    @Test
    void aPageSizeIsPassedOnAndZeroListsEverythingAtOnce() {
        assertThat(ClusterCaches.listPageSize(500)).isEqualTo(500L);
        assertThat(ClusterCaches.listPageSize(1)).isEqualTo(1L);
        assertThat(ClusterCaches.listPageSize(0)).isNull();
    }

    @Test
    void aNegativePageSizeIsRefusedNamingTheProperty() {
        assertThatThrownBy(() -> ClusterCaches.listPageSize(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ordinal.cache.list-page-size must be 0 (one list) or more, got -1");
    }

    @Test
    void aFirstListThatTakesLongerThanAMinuteIsReportedOncePerMinute() {
        Instant now = Instant.parse("2026-12-02T09:00:00Z");
        assertThat(ClusterCaches.slowFirstListWarning("pods", Duration.ofSeconds(59), null, now, 0, false))
                .isNull();
        assertThat(ClusterCaches.slowFirstListWarning("pods", Duration.ofSeconds(60), null, now, 1500, false))
                .isEqualTo("pods informer has not completed its first list after 60 s (1500 object(s) in the cache so"
                        + " far); readiness stays DOWN until it has");
        assertThat(ClusterCaches.slowFirstListWarning(
                        "pods", Duration.ofSeconds(119), now.minusSeconds(59), now, 1500, false))
                .isNull();
        assertThat(ClusterCaches.slowFirstListWarning(
                        "services", Duration.ofSeconds(120), now.minusSeconds(60), now, 0, false))
                .startsWith("services informer has not completed its first list after 120 s");
    }

    @Test
    void aSlowListAtOnceNamesThePageSizeSetting() {
        assertThat(ClusterCaches.slowFirstListWarning("pods", Duration.ofSeconds(60), null, Instant.EPOCH, 0, true))
                .endsWith("readiness stays DOWN until it has. ordinal.cache.list-page-size=0 asks for every object in"
                        + " one response, which on a large cluster may not fit in the heap: set a page size (README,"
                        + " Sizing)");
    }
}
