package dev.ordinal.identity;

import java.util.Set;

/** A set of ordinals that can say where its run of consecutive members starting at a point ends. */
public interface OrdinalSet {

    /** True when {@code ordinal} is in the set. */
    boolean contains(int ordinal);

    /** The lowest ordinal {@code >= from} not in the set; -1 when that would overflow an int. */
    int firstAbsentFrom(int from);

    /** A view of a plain {@code Set}; {@link #firstAbsentFrom} walks it one ordinal at a time. */
    static OrdinalSet of(Set<Integer> ordinals) {
        return new OrdinalSet() {
            @Override
            public boolean contains(int ordinal) {
                return ordinals.contains(ordinal);
            }

            @Override
            public int firstAbsentFrom(int from) {
                int n = from;
                while (ordinals.contains(n)) {
                    if (n == Integer.MAX_VALUE) {
                        return -1;
                    }
                    n++;
                }
                return n;
            }
        };
    }

    /**
     * The union of {@code a} and {@code b}. {@link #firstAbsentFrom} alternates between them, each step skipping a
     * whole run of one, so it costs O(runs), never O(ordinals).
     */
    static OrdinalSet union(OrdinalSet a, OrdinalSet b) {
        return new OrdinalSet() {
            @Override
            public boolean contains(int ordinal) {
                return a.contains(ordinal) || b.contains(ordinal);
            }

            @Override
            public int firstAbsentFrom(int from) {
                int n = from;
                while (true) {
                    int x = a.firstAbsentFrom(n);
                    if (x < 0) {
                        return -1;
                    }
                    int y = b.firstAbsentFrom(x);
                    if (y == x || y < 0) {
                        return y;
                    }
                    n = y;
                }
            }
        };
    }
}
