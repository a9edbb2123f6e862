package dev.ordinal.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
