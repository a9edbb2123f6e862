package dev.ordinal.plan;

import static dev.ordinal.identity.OrdinalKeys.ORDERED_GATE;

import dev.ordinal.identity.Member;
import dev.ordinal.identity.SetSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Gap healing (SPEC §7.1): which gated member of an {@code OrderedReady} set to recycle, or warn about, because an
 * ordinal below it was handed out by admission and never stored. ResourceQuota (which runs after every webhook),
 * another validating webhook, a storage error or an API server crash can reject a pod after Ordinal named it
 * {@code S-k}; the owner retries at once, gets {@code S-n} (k is still reserved) and, under OrderedReady, that pod
 * would wait forever for an {@code S-k} nobody creates. Once {@code k} has been free (no pod, no reservation) for
 * longer than the reservation TTL plus {@link #MARGIN}, the gated member is deleted if a controller owns it, so the
 * owner re-creates it at the lowest free ordinal ({@code k}); a member without a controller owner is never deleted,
 * only warned about. Pure: the caller passes the snapshot, its reservations, when each gap was first seen free, and
 * {@code now}.
 */
public final class GapHealing {

    /**
     * Added to {@code ordinal.admission.reservation-ttl} before a free ordinal counts as lost. The TTL alone bounds
     * how long this replica keeps an ordinal reserved; the margin covers what the controller cannot see: a pod that
     * another replica admitted (its reservations are not in this process) or that is stored just as the TTL ends,
     * whose watch event reaches this replica's cache a little later (normally well under a second, seconds on a
     * loaded API server). Recycling too early costs only a needless re-creation of a pod that never started, so a
     * few seconds suffice.
     */
    public static final Duration MARGIN = Duration.ofSeconds(5);

    private GapHealing() {}

    /** What to do about one gated member that waits above a lost ordinal. */
    public sealed interface Action permits Recycle, OwnerMissing {
        /** The gated member. */
        String pod();

        /** Its uid: the delete is conditional on it, so a re-created pod of the same name is never deleted. */
        String uid();

        /** The lost ordinal it waits above. */
        int gap();

        /** How long {@link #gap()} has been free. */
        Duration freeFor();
    }

    /** Delete {@code pod} (controlled by {@code controller}, {@code Kind/name}); its owner re-creates it at the gap. */
    public record Recycle(String pod, String uid, int ordinal, String controller, int gap, Duration freeFor)
            implements Action {}

    /** {@code pod} has no controller owner, so nobody would re-create it: warn, never delete. */
    public record OwnerMissing(String pod, String uid, int ordinal, int gap, Duration freeFor) implements Action {}

    /**
     * The plan for one set now. {@code freeSince} is the new bookkeeping: every gap below a stuck member with the
     * instant it was first seen free (entries of gaps that are filled are dropped, so a gap that opens again starts
     * its wait from zero). {@code requeueAfter} is when the next not-yet-lost gap becomes lost.
     */
    public record Plan(Map<Integer, Instant> freeSince, List<Action> actions, Optional<Duration> requeueAfter) {
        public Plan {
            freeSince = Map.copyOf(freeSince);
            actions = List.copyOf(actions);
        }
    }

    /**
     * Plans set {@code snapshot} at {@code now}. A <em>stuck</em> member is live, valid, OrderedReady and still
     * carries {@code ordinal.dev/ordered} (a scheduling gate cannot be added back once removed, so it never started).
     * A <em>gap</em> is an ordinal from the start ordinal up to the highest stuck member that no pod holds (live or
     * terminating) and that is not in {@code reserved}; it is <em>lost</em> once free for longer than {@code ttl} plus
     * {@link #MARGIN}, counted from {@code freeSince} (or from {@code now} for a gap seen for the first time).
     *
     * <p>Each lost gap, lowest first, is paired with one controlled stuck member above it, highest first, which is
     * recycled: one re-created pod fills one gap, and taking the highest keeps the ordinals that stay contiguous. A
     * stuck member without a controller owner gets {@link OwnerMissing} for the lowest lost gap below it. Considers
     * at most as many gaps as there are stuck members, so a set with one pod named {@code S-1000000} costs no more
     * than a small one. A caller that recycles a member for a gap restarts that gap's clock: the owner's replacement
     * takes the same path as the lost pod (admission, then storage), so until then the gap is in flight, not lost.
     */
    public static Plan plan(
            SetSnapshot snapshot, Set<Integer> reserved, Map<Integer, Instant> freeSince, Duration ttl, Instant now) {
        List<Member> stuck = snapshot.members().values().stream()
                .filter(m -> m.hasGate(ORDERED_GATE)
                        && !m.terminating()
                        && m.settings() != null
                        && m.settings().ordered())
                .sorted(Comparator.comparingInt(Member::ordinal).reversed())
                .toList();
        if (stuck.isEmpty()) {
            return new Plan(Map.of(), List.of(), Optional.empty());
        }
        int top = stuck.get(0).ordinal();
        int start = stuck.get(0).settings().startOrdinal();
        Duration lostAfter = ttl.plus(MARGIN);

        Map<Integer, Instant> since = new LinkedHashMap<>();
        List<Integer> lost = new ArrayList<>();
        Duration requeue = null;
        int n = start;
        while (since.size() < stuck.size() && n < top) {
            int k = snapshot.firstGapFrom(n, stuck.get(0).settings().reservedOrdinals());
            if (k < 0 || k >= top) {
                break;
            }
            n = k + 1;
            if (snapshot.holder(k).isPresent() || reserved.contains(k)) {
                continue; // terminating holder or a reservation: not free
            }
            Instant first = freeSince.getOrDefault(k, now);
            since.put(k, first);
            Duration free = Duration.between(first, now);
            if (free.compareTo(lostAfter) > 0) {
                lost.add(k);
            } else {
                Duration left = lostAfter.minus(free).plusMillis(1);
                requeue = requeue == null || left.compareTo(requeue) < 0 ? left : requeue;
            }
        }

        List<Action> actions = new ArrayList<>();
        int next = 0;
        for (Member m : stuck) {
            if (m.controller() == null) {
                if (!lost.isEmpty() && lost.get(0) < m.ordinal()) {
                    int gap = lost.get(0);
                    actions.add(new OwnerMissing(
                            m.name(), m.uid(), m.ordinal(), gap, Duration.between(since.get(gap), now)));
                }
                continue;
            }
            if (next < lost.size() && lost.get(next) < m.ordinal()) {
                int gap = lost.get(next++);
                actions.add(new Recycle(
                        m.name(), m.uid(), m.ordinal(), m.controller(), gap, Duration.between(since.get(gap), now)));
            }
        }
        return new Plan(since, actions, Optional.ofNullable(requeue));
    }
}
