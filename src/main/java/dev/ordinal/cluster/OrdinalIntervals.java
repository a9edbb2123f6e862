package dev.ordinal.cluster;

import dev.ordinal.identity.OrdinalSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntConsumer;

/**
 * A mutable set of ordinals stored as disjoint runs {@code [start, end]}, so "first ordinal not in the set from x"
 * is O(log runs) however many consecutive ordinals are reserved. Not thread-safe; the owner locks.
 */
final class OrdinalIntervals implements OrdinalSet {

    private final TreeMap<Integer, Integer> runs = new TreeMap<>();
    private int size;

    @Override
    public boolean contains(int ordinal) {
        Map.Entry<Integer, Integer> run = runs.floorEntry(ordinal);
        return run != null && run.getValue() >= ordinal;
    }

    @Override
    public int firstAbsentFrom(int from) {
        Map.Entry<Integer, Integer> run = runs.floorEntry(from);
        if (run == null || run.getValue() < from) {
            return from;
        }
        return run.getValue() == Integer.MAX_VALUE ? -1 : run.getValue() + 1;
    }

    /** Adds {@code ordinal}, merging it with adjacent runs. */
    void add(int ordinal) {
        if (contains(ordinal)) {
            return;
        }
        int start = ordinal;
        int end = ordinal;
        Map.Entry<Integer, Integer> before = runs.floorEntry(ordinal);
        if (before != null && before.getValue() == ordinal - 1) {
            start = before.getKey();
        }
        Integer afterEnd = ordinal == Integer.MAX_VALUE ? null : runs.get(ordinal + 1);
        if (afterEnd != null) {
            runs.remove(ordinal + 1);
            end = afterEnd;
        }
        runs.put(start, end);
        size++;
    }

    /** Removes {@code ordinal}, splitting its run. */
    void remove(int ordinal) {
        Map.Entry<Integer, Integer> run = runs.floorEntry(ordinal);
        if (run == null || run.getValue() < ordinal) {
            return;
        }
        int start = run.getKey();
        int end = run.getValue();
        runs.remove(start);
        if (start < ordinal) {
            runs.put(start, ordinal - 1);
        }
        if (ordinal < end) {
            runs.put(ordinal + 1, end);
        }
        size--;
    }

    int size() {
        return size;
    }

    /** Every ordinal in the set, ascending. */
    void forEach(IntConsumer action) {
        for (Map.Entry<Integer, Integer> run : runs.entrySet()) {
            for (int n = run.getKey(); n <= run.getValue() && n >= run.getKey(); n++) {
                action.accept(n);
            }
        }
    }
}
