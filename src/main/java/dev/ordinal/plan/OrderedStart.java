package dev.ordinal.plan;

import static dev.ordinal.identity.OrdinalKeys.ORDERED_GATE;

import dev.ordinal.identity.Member;
import dev.ordinal.identity.PodNames;
import dev.ordinal.identity.SetSettings;
import dev.ordinal.identity.SetSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Which pods of a set may lose the {@code ordinal.dev/ordered} scheduling gate now (SPEC §4 "Ordered start"), as
 * StatefulSet's OrderedReady burst of one: a gated pod is released once every ordinal below it (from the start
 * ordinal) is Running and Ready, held for {@code ordinal.dev/min-ready-seconds}. At most one OrderedReady pod is
 * released per plan, so two pods never start on the same readiness step. Pure: the caller passes {@code now}.
 */
public final class OrderedStart {

    private OrderedStart() {}

    /** Why a gated pod cannot start yet. */
    public enum Blocker {
        /** No pod holds the awaited ordinal (never created, or deleted and not re-created yet). */
        MISSING,
        /** The pod holding the awaited ordinal is terminating. */
        TERMINATING,
        /** The pod holding the awaited ordinal is not Running and Ready (it may itself still be gated). */
        NOT_READY,
        /** The awaited pod is Running and Ready but not yet for {@code ordinal.dev/min-ready-seconds}. */
        MIN_READY
    }

    /**
     * Lift the gate of {@code pod}. {@code parallel} is true when the set uses {@code Parallel} (the gate should not
     * be there at all); otherwise every ordinal in {@code [start, ordinal)} is available.
     */
    public record Release(String pod, String uid, int ordinal, int start, boolean parallel) {}

    /**
     * {@code pod} stays gated because ordinal {@code awaited} ({@code awaitedPod}) is not available for
     * {@code blocker}. {@code awaitedPhase} is the awaited pod's phase (null when missing or unknown);
     * {@code remaining} is the time left for {@link Blocker#MIN_READY}, else zero.
     */
    public record Wait(
            String pod,
            String uid,
            int ordinal,
            int awaited,
            String awaitedPod,
            Blocker blocker,
            String awaitedPhase,
            Duration remaining) {}

    /** Shortest re-check delay for a min-ready hold that ends now: the boundary itself is not yet available. */
    static final Duration MIN_REQUEUE = Duration.ofMillis(100);

    /** The releases and waits of one set now; {@code requeueAfter} when a min-ready hold ends later. */
    public record Plan(List<Release> releases, List<Wait> waits, Optional<Duration> requeueAfter) {
        public Plan {
            releases = List.copyOf(releases);
            waits = List.copyOf(waits);
        }
    }

    /**
     * Plans set {@code snapshot} at {@code now}. Considers only live pods that carry the ordered gate and valid
     * settings, lowest ordinal first; terminating gated pods are left alone (releasing them is pointless).
     */
    public static Plan plan(SetSnapshot snapshot, Instant now) {
        List<Release> releases = new ArrayList<>();
        List<Wait> waits = new ArrayList<>();
        Duration requeue = null;
        int releasedOrdered = -1;
        List<Member> gated = snapshot.members().values().stream()
                .filter(m -> m.hasGate(ORDERED_GATE) && !m.terminating() && m.settings() != null)
                .sorted(Comparator.comparingInt(Member::ordinal))
                .toList();
        for (Member m : gated) {
            SetSettings s = m.settings();
            if (!s.ordered()) {
                releases.add(new Release(m.name(), m.uid(), m.ordinal(), s.startOrdinal(), true));
                continue;
            }
            Optional<Wait> wait = firstBlocker(snapshot, s, m, now);
            if (wait.isEmpty() && releasedOrdered >= 0) {
                // Unreachable while the released pod is still gated in the snapshot (so not Ready), but the
                // one-per-step rule must not depend on that: the later pod waits for the one just released.
                wait = Optional.of(new Wait(
                        m.name(),
                        m.uid(),
                        m.ordinal(),
                        releasedOrdered,
                        PodNames.podName(snapshot.set(), releasedOrdered),
                        Blocker.NOT_READY,
                        null,
                        Duration.ZERO));
            }
            if (wait.isEmpty()) {
                releases.add(new Release(m.name(), m.uid(), m.ordinal(), s.startOrdinal(), false));
                releasedOrdered = m.ordinal();
                continue;
            }
            waits.add(wait.get());
            if (wait.get().blocker() == Blocker.MIN_READY) {
                Duration left = wait.get().remaining();
                requeue = requeue == null || left.compareTo(requeue) < 0 ? left : requeue;
            }
        }
        return new Plan(releases, waits, Optional.ofNullable(requeue));
    }

    /**
     * The lowest ordinal in {@code [start, n)} that is not available at {@code now}, as a wait of member {@code m};
     * empty when every one is (or {@code n <= start}).
     */
    static Optional<Wait> firstBlocker(SetSnapshot snapshot, SetSettings s, Member m, Instant now) {
        int start = s.startOrdinal();
        int n = m.ordinal();
        if (n <= start) {
            return Optional.empty();
        }
        OptionalInt notReady = snapshot.firstNotReadyBelow(start, n, s.reservedOrdinals());
        int limit = notReady.orElse(n);
        Member holding = null;
        if (s.minReadySeconds() > 0) {
            for (Member p : snapshot.members().values()) {
                if (p.ordinal() >= start
                        && p.ordinal() < limit
                        && p.runningAndReady()
                        && !p.isAvailable(s.minReadySeconds(), now)
                        && (holding == null || p.ordinal() < holding.ordinal())) {
                    holding = p;
                }
            }
        }
        if (holding != null) {
            // Available strictly after readySince + minReadySeconds (IsPodAvailable); a ready pod without a transition
            // time is re-checked after a whole period.
            Duration left = holding.readySince() == null
                    ? Duration.ofSeconds(s.minReadySeconds())
                    : Duration.between(now, holding.readySince().plusSeconds(s.minReadySeconds()));
            if (left.compareTo(MIN_REQUEUE) < 0) {
                left = MIN_REQUEUE;
            }
            return Optional.of(new Wait(
                    m.name(), m.uid(), n, holding.ordinal(), holding.name(), Blocker.MIN_READY, holding.phase(), left));
        }
        if (notReady.isEmpty()) {
            return Optional.empty();
        }
        int k = notReady.getAsInt();
        Optional<Member> awaited = snapshot.holder(k);
        Blocker blocker = awaited.isEmpty()
                ? Blocker.MISSING
                : awaited.get().terminating() ? Blocker.TERMINATING : Blocker.NOT_READY;
        return Optional.of(new Wait(
                m.name(),
                m.uid(),
                n,
                k,
                PodNames.podName(snapshot.set(), k),
                blocker,
                awaited.map(Member::phase).orElse(null),
                Duration.ZERO));
    }
}
