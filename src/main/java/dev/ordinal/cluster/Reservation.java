package dev.ordinal.cluster;

import dev.ordinal.identity.Ordinals;

/**
 * The ordinal one review works with, and what this replica holds for it: the value {@link OrdinalReservations} hands
 * out and settles.
 *
 * @param assignment the ordinal chosen (or why none could be)
 * @param hold what settling this reservation must do with this replica's hold on the ordinal
 */
public record Reservation(SetKey key, Ordinals.Assignment assignment, Hold hold) {

    /** What this replica holds for the review. */
    public enum Hold {
        /** Nothing: a named pod at mutation, or a dryRun. */
        NONE,
        /** This review took the hold: confirmed when the pod is admitted, released otherwise. */
        TAKEN,
        /**
         * The mutating webhook of this replica may have taken it when it named the pod: released when the validating
         * webhook denies the pod, which then will not be stored.
         */
        TAKEN_AT_MUTATION
    }

    /** Named pod {@code S-n} at mutation: its ordinal is its own, nothing is held. */
    public static Reservation named(SetKey key, int n) {
        return new Reservation(key, new Ordinals.Assignment.Assigned(n), Hold.NONE);
    }

    /** Pod {@code S-n} at validation: the ordinal this replica may have reserved for it (none for a dryRun). */
    public static Reservation mutatedEarlier(SetKey key, int n, boolean dryRun) {
        return new Reservation(key, new Ordinals.Assignment.Assigned(n), dryRun ? Hold.NONE : Hold.TAKEN_AT_MUTATION);
    }

    /** The chosen ordinal, or -1 when none was assigned. */
    public int ordinal() {
        return assignment instanceof Ordinals.Assignment.Assigned assigned ? assigned.ordinal() : -1;
    }
}
