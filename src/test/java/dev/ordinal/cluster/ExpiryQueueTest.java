package dev.ordinal.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExpiryQueueTest {

    @Test
    void keepsOrderAcrossWrapAroundGrowthAndShrinking() {
        ExpiryQueue queue = new ExpiryQueue();
        long next = 0;
        int expected = 0;
        // Interleave adds and removals so the ring wraps, then grow to 10,000 entries and drain, which shrinks it.
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 5; i++) {
                queue.add((int) next, next);
                next++;
            }
            for (int i = 0; i < 3; i++) {
                assertThat(queue.removeFirst()).isEqualTo(expected++);
            }
        }
        while (next < 10_000) {
            queue.add((int) next, next);
            next++;
        }
        List<Integer> after = new ArrayList<>();
        queue.forEachExpiringAfter(9_997, after::add);
        assertThat(after).containsExactly(9_998, 9_999);
        assertThat(queue.firstExpiresBy(expected - 1)).isFalse();
        assertThat(queue.firstExpiresBy(expected)).isTrue();
        while (queue.size() > 0) {
            assertThat(queue.removeFirst()).isEqualTo(expected++);
        }
        assertThat(expected).isEqualTo(10_000);
        assertThat(queue.firstExpiresBy(Long.MAX_VALUE)).as("empty").isFalse();
        assertThatThrownBy(queue::removeFirst).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void nanosAreExact() {
        Instant at = Instant.parse("2026-01-01T00:00:00.000000001Z");
        assertThat(ExpiryQueue.nanos(at) - ExpiryQueue.nanos(at.minusNanos(1))).isEqualTo(1);
        assertThat(ExpiryQueue.nanos(Instant.EPOCH)).isZero();
    }
}
