package dev.ordinal.identity;

import java.util.Set;

/** Choosing the ordinal for a pod created with {@code generateName} (SPEC §3.1 step 1). */
public final class Ordinals {

    private Ordinals() {}

    /** Outcome of {@link #assign}. */
    public sealed interface Assignment {
        /** Take ordinal {@code ordinal}. */
        record Assigned(int ordinal) implements Assignment {}

        /** The lowest free ordinal is still held by a terminating pod; identity never moves, so wait. */
        record HeldByTerminating(int ordinal, Member holder) implements Assignment {}

        /** No ordinal fits an int (only reachable with absurd start ordinals). */
        record Exhausted() implements Assignment {}
    }

    /**
     * The lowest ordinal {@code n >= start} held by no live pod and not in {@code reserved}. When a terminating pod
     * still holds that ordinal, the answer is to wait rather than to move on to {@code n + 1}.
     */
    public static Assignment assign(SetSnapshot snapshot, int start, Set<Integer> reserved) {
        return assign(snapshot, start, OrdinalSet.of(reserved));
    }

    /** As {@link #assign(SetSnapshot, int, Set)} with reservations that know their runs. */
    public static Assignment assign(SetSnapshot snapshot, int start, OrdinalSet reserved) {
        int n = snapshot.lowestFree(start, reserved);
        if (n < 0) {
            return new Assignment.Exhausted();
        }
        if (snapshot.isTerminating(n)) {
            return new Assignment.HeldByTerminating(n, snapshot.holder(n).orElseThrow());
        }
        return new Assignment.Assigned(n);
    }
}
