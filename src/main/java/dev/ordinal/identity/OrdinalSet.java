package dev.ordinal.identity;

/** A set of ordinals that can say where its run of consecutive members starting at a point ends. */
public interface OrdinalSet {

    /** True when {@code ordinal} is in the set. */
    boolean contains(int ordinal);

    /** The lowest ordinal {@code >= from} not in the set; -1 when that would overflow an int. */
    int firstAbsentFrom(int from);

    /** A view of a plain {@code Set}; {@link #firstAbsentFrom} walks it one ordinal at a time. */
    static OrdinalSet of(java.util.Set<Integer> ordinals) {
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
}
