package dev.ordinal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.identity.Ordinals;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Reservations and the per-set index, without informers: events are fed by hand. */
class SetIndexTest {

    static final SetKey WEB = new SetKey("default", "web");
    static final Duration TTL = Duration.ofSeconds(15);
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void reservesEachOrdinalOnceUntilTheCacheSeesThePod() {
        SetIndex index = new SetIndex();
        assertThat(assign(index, T0)).isEqualTo(0);
        assertThat(assign(index, T0)).as("0 is reserved").isEqualTo(1);
        index.upsert(stored(0));
        assertThat(index.reserved(WEB)).as("the cache saw web-0").containsExactly(1);
        index.remove(stored(0));
        assertThat(assign(index, T0)).as("web-0 is gone and no longer reserved").isEqualTo(0);
    }

    @Test
    void countsThePodsItHoldsAcrossSets() {
        SetIndex index = new SetIndex();
        index.upsert(stored(0));
        index.upsert(stored(1));
        index.upsert(stored(1)); // an update of a pod it holds
        Pod other = PodFixtures.stored("db", 0).build();
        other.getMetadata().setNamespace("default");
        index.upsert(other);
        assertThat(index.memberCount()).isEqualTo(3);
        index.remove(stored(1));
        index.remove(stored(1)); // a delete it has already seen
        index.remove(other);
        assertThat(index.memberCount()).isEqualTo(1);
    }

    @Test
    void forgetsReservationsAfterTheirTtl() {
        SetIndex index = new SetIndex();
        assign(index, T0);
        assign(index, T0.plusSeconds(5));
        assertThat(assign(index, T0.plus(TTL)))
                .as("the first reservation expired")
                .isEqualTo(0);
        assertThat(index.reserved(WEB)).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void anOrdinalHandedOutAgainKeepsItsNewestReservation() {
        SetIndex index = new SetIndex();
        assertThat(assign(index, T0)).isEqualTo(0);
        index.upsert(stored(0)); // the cache saw web-0: its reservation ends
        index.remove(stored(0));
        assertThat(assign(index, T0.plusSeconds(10)))
                .as("web-0 is gone, 0 is free")
                .isEqualTo(0);
        assertThat(assign(index, T0.plus(TTL)))
                .as("the first reservation's expiry does not end the second")
                .isEqualTo(1);
        assertThat(index.reserved(WEB, T0.plus(TTL))).containsExactlyInAnyOrder(0, 1);
        assertThat(index.reserved(WEB, T0.plusSeconds(25)))
                .as("0 held until T0+25s")
                .containsExactly(1);
        assertThat(assign(index, T0.plusSeconds(25))).as("the second expired").isEqualTo(0);
    }

    @Test
    void dryRunReservesNothing() {
        SetIndex index = new SetIndex();
        index.assign(WEB, 0, false, T0, TTL);
        assertThat(index.reserved(WEB)).isEmpty();
    }

    @Test
    void releasedOrdinalIsHandedOutAgain() {
        SetIndex index = new SetIndex();
        assign(index, T0);
        assign(index, T0);
        index.release(WEB, 0);
        assertThat(assign(index, T0)).isEqualTo(0);
    }

    @Test
    void keepsNoStateForASetWithNoPodsAndNoReservations() {
        SetIndex index = new SetIndex();
        index.assign(WEB, 0, false, T0, TTL);
        assertThat(index.sets()).as("after a dryRun for an unknown set").isEmpty();
        index.upsert(stored(0));
        index.remove(stored(0));
        assertThat(index.sets()).as("after its only pod left").isEmpty();
        assign(index, T0);
        index.release(WEB, 0);
        assertThat(index.sets()).as("after its only reservation was released").isEmpty();
        assign(index, T0);
        assign(index, T0.plus(TTL));
        assertThat(index.sets())
                .as("an expired reservation is dropped at the next assignment")
                .containsExactly(WEB);
        assertThat(index.reserved(WEB)).containsExactly(0);
        index.sweep(T0.plus(TTL).plus(TTL));
        assertThat(index.sets())
                .as("a sweep after the last reservation expired")
                .isEmpty();
    }

    @Test
    void aLongRunOfReservationsStaysCheap() {
        SetIndex index = new SetIndex();
        for (int n = 0; n < 10_000; n++) {
            index.upsert(stored(n));
        }
        long started = System.nanoTime();
        for (int i = 0; i < 20_000; i++) {
            assertThat(assign(index, T0)).isEqualTo(10_000 + i);
        }
        // 20,000 assignments over 10,000 live pods and a growing run of reservations; a linear walk would be
        // ~3*10^8 steps. This is a coarse guard, not a benchmark: make bench measures.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void concurrentAssignmentsNeverShareAnOrdinal() throws Exception {
        SetIndex index = new SetIndex();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Set<Integer> seen = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            results.add(pool.submit(() -> {
                start.await();
                boolean unique = true;
                for (int i = 0; i < 250; i++) {
                    unique &= seen.add(assign(index, T0));
                }
                return unique;
            }));
        }
        start.countDown();
        for (Future<Boolean> f : results) {
            assertThat(f.get()).isTrue();
        }
        pool.shutdown();
        assertThat(seen).hasSize(2_000);
    }

    private static int assign(SetIndex index, Instant now) {
        Ordinals.Assignment a = index.assign(WEB, 0, true, now, TTL);
        assertThat(a).isInstanceOf(Ordinals.Assignment.Assigned.class);
        return ((Ordinals.Assignment.Assigned) a).ordinal();
    }

    private static Pod stored(int n) {
        Pod pod = PodFixtures.stored("web", n).build();
        pod.getMetadata().setNamespace("default");
        return pod;
    }
}
