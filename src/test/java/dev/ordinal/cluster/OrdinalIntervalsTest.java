package dev.ordinal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The interval set against a TreeSet oracle after every random add and remove. */
class OrdinalIntervalsTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 1234})
    void agreesWithATreeSetAfterEveryStep(long seed) {
        Random random = new Random(seed);
        OrdinalIntervals intervals = new OrdinalIntervals();
        TreeSet<Integer> oracle = new TreeSet<>();
        for (int step = 0; step < 2_000; step++) {
            int ordinal = random.nextInt(60);
            if (random.nextBoolean()) {
                intervals.add(ordinal);
                oracle.add(ordinal);
            } else {
                intervals.remove(ordinal);
                oracle.remove(ordinal);
            }
            assertThat(intervals.size()).as("step %d size", step).isEqualTo(oracle.size());
            int from = random.nextInt(64);
            int want = from;
            while (oracle.contains(want)) {
                want++;
            }
            assertThat(intervals.firstAbsentFrom(from))
                    .as("step %d firstAbsentFrom(%d) of %s", step, from, oracle)
                    .isEqualTo(want);
            assertThat(intervals.contains(ordinal))
                    .as("step %d contains(%d)", step, ordinal)
                    .isEqualTo(oracle.contains(ordinal));
        }
    }

    @org.junit.jupiter.api.Test
    void reportsOverflowAtTheTopOfTheIntRange() {
        OrdinalIntervals intervals = new OrdinalIntervals();
        intervals.add(Integer.MAX_VALUE);
        intervals.add(Integer.MAX_VALUE - 1);
        assertThat(intervals.firstAbsentFrom(Integer.MAX_VALUE - 1)).isEqualTo(-1);
        assertThat(intervals.firstAbsentFrom(Integer.MAX_VALUE - 2)).isEqualTo(Integer.MAX_VALUE - 2);
    }
}
