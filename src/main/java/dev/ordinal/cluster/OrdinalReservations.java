package dev.ordinal.cluster;

import dev.ordinal.identity.OrdinalSet;
import dev.ordinal.identity.ReservedOrdinals;

/**
 * This replica's holds on the ordinals admission hands out, so two concurrent requests of this process never share
 * one. Only admission uses it; nobody else gets the mutable index behind it. A hold lasts until the cache sees the
 * pod, it is released, or {@code ordinal.admission.reservation-ttl} passes.
 */
public interface OrdinalReservations {

    /**
     * Chooses the lowest free ordinal of set {@code key} from {@code start}, skipping ordinals this replica holds and
     * those in {@code skipped} (the set's {@code ordinal.dev/reserved-ordinals}), and holds it unless {@code dryRun}.
     */
    Reservation reserve(SetKey key, int start, OrdinalSet skipped, boolean dryRun);

    /** As {@link #reserve(SetKey, int, OrdinalSet, boolean)} with no ordinal skipped. */
    default Reservation reserve(SetKey key, int start, boolean dryRun) {
        return reserve(key, start, ReservedOrdinals.NONE, dryRun);
    }

    /** The pod of {@code reservation} is admitted: the hold stays until the cache sees it (or the TTL passes). */
    void confirm(Reservation reservation);

    /** The pod of {@code reservation} will not be stored: drop the hold, if this replica has one. */
    void release(Reservation reservation);

    /**
     * The one place a review's reservation is settled, called in a {@code finally} so that every path that does not
     * admit (a denial, an exception) gives the ordinal back.
     */
    default void settle(Reservation reservation, boolean admitted) {
        switch (reservation.hold()) {
            case TAKEN -> {
                if (admitted) {
                    confirm(reservation);
                } else {
                    release(reservation);
                }
            }
            case TAKEN_AT_MUTATION -> {
                if (!admitted) {
                    release(reservation);
                }
            }
            case NONE -> {
                // nothing held
            }
        }
    }
}
