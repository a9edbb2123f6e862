package dev.ordinal.identity;

import java.util.Arrays;
import java.util.Collection;

/**
 * An immutable sorted set of ordinals that answers "lowest ordinal not in the set from x" in O(log n). A BitSet
 * would be faster to write but would allocate by the largest ordinal, which a user controls (a pod named
 * {@code web-2000000000} must not cost 250 MB), so runs of consecutive ordinals are precomputed instead.
 */
final class OrdinalRuns implements OrdinalSet {

    private final int[] sorted;
    /** For index i, the index of the last element of the run of consecutive ordinals that contains sorted[i]. */
    private final int[] runEnd;

    OrdinalRuns(Collection<Integer> ordinals) {
        this.sorted = ordinals.stream()
                .mapToInt(Integer::intValue)
                .sorted()
                .distinct()
                .toArray();
        this.runEnd = new int[sorted.length];
        for (int i = sorted.length - 1; i >= 0; i--) {
            boolean continues = i + 1 < sorted.length && sorted[i + 1] == sorted[i] + 1;
            runEnd[i] = continues ? runEnd[i + 1] : i;
        }
    }

    @Override
    public boolean contains(int ordinal) {
        return Arrays.binarySearch(sorted, ordinal) >= 0;
    }

    int size() {
        return sorted.length;
    }

    @Override
    public int firstAbsentFrom(int from) {
        int i = Arrays.binarySearch(sorted, from);
        if (i < 0) {
            return from;
        }
        int last = sorted[runEnd[i]];
        return last == Integer.MAX_VALUE ? -1 : last + 1;
    }

    /** Number of members in {@code [from, to)}. */
    int countIn(int from, int to) {
        if (to <= from) {
            return 0;
        }
        return insertionPoint(to) - insertionPoint(from);
    }

    /** The largest member, or -1 when empty. */
    int max() {
        return sorted.length == 0 ? -1 : sorted[sorted.length - 1];
    }

    private int insertionPoint(int value) {
        int i = Arrays.binarySearch(sorted, value);
        return i >= 0 ? i : -i - 1;
    }
}
