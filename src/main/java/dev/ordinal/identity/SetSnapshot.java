package dev.ordinal.identity;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * An immutable view of one ordinal set in one namespace at one moment. The cluster package builds it from its
 * caches; the rules read it. It lives here, with the rules, so the pure core depends on nothing outside itself.
 * Built once per change of the set; queries cost O(log n), so the hot path stays flat in set size.
 */
public final class SetSnapshot {

    private final String namespace;
    private final String set;
    private final Map<Integer, Member> byOrdinal;
    private final OrdinalRuns live;
    private final OrdinalRuns ready;
    private final Map<SetSettings, Member> liveSettings;
    private final int unnamedMembers;

    private SetSnapshot(String namespace, String set, Collection<Member> members) {
        this.namespace = namespace;
        this.set = set;
        Map<Integer, Member> ordinals = new HashMap<>();
        Map<SetSettings, Member> settings = new LinkedHashMap<>();
        List<Integer> liveOrdinals = new ArrayList<>();
        List<Integer> readyOrdinals = new ArrayList<>();
        int unnamed = 0;
        for (Member m : members) {
            if (m.ordinal() < 0) {
                unnamed++;
                continue;
            }
            ordinals.put(m.ordinal(), m);
            if (m.terminating()) {
                continue;
            }
            liveOrdinals.add(m.ordinal());
            if (m.runningAndReady()) {
                readyOrdinals.add(m.ordinal());
            }
            if (m.settings() != null) {
                settings.putIfAbsent(m.settings(), m);
            }
        }
        this.byOrdinal = Collections.unmodifiableMap(ordinals);
        this.live = new OrdinalRuns(liveOrdinals);
        this.ready = new OrdinalRuns(readyOrdinals);
        this.liveSettings = Collections.unmodifiableMap(settings);
        this.unnamedMembers = unnamed;
    }

    /** A snapshot of {@code members} (pods of set {@code set} in {@code namespace}). */
    public static SetSnapshot of(String namespace, String set, Collection<Member> members) {
        return new SetSnapshot(namespace, set, members);
    }

    /** A snapshot of a set with no pods. */
    public static SetSnapshot empty(String namespace, String set) {
        return new SetSnapshot(namespace, set, List.of());
    }

    public String namespace() {
        return namespace;
    }

    public String set() {
        return set;
    }

    /** The pod holding ordinal {@code n}, live or terminating. */
    public Optional<Member> holder(int n) {
        return Optional.ofNullable(byOrdinal.get(n));
    }

    /** All members with a valid ordinal name, by ordinal. */
    public Map<Integer, Member> members() {
        return byOrdinal;
    }

    /** True when a live (not terminating) pod holds {@code n}. */
    public boolean isLive(int n) {
        return live.contains(n);
    }

    /** True when a terminating pod holds {@code n}. */
    public boolean isTerminating(int n) {
        Member m = byOrdinal.get(n);
        return m != null && m.terminating();
    }

    /** Number of live members. */
    public int liveCount() {
        return live.size();
    }

    /** Members of the set whose names are not {@code S-n} (created before Ordinal was installed, say). */
    public int unnamedMembers() {
        return unnamedMembers;
    }

    /** The lowest {@code n >= start} held by no live pod and not in {@code reserved}; -1 when none fits an int. */
    public int lowestFree(int start, Set<Integer> reserved) {
        return lowestFree(start, OrdinalSet.of(reserved));
    }

    /**
     * As {@link #lowestFree(int, Set)}; each step skips a whole run of live or reserved ordinals, so a long run of
     * reservations costs O(log n), not O(run).
     */
    public int lowestFree(int start, OrdinalSet reserved) {
        int n = start;
        while (n >= 0) {
            int free = live.firstAbsentFrom(n);
            if (free < 0) {
                return -1;
            }
            int next = reserved.firstAbsentFrom(free);
            if (next == free) {
                return free;
            }
            n = next;
        }
        return -1;
    }

    /**
     * The lowest ordinal in {@code [start, n)} with no live Running and Ready pod, as the one a pod of ordinal
     * {@code n} waits for; empty when all predecessors are ready.
     */
    public OptionalInt firstNotReadyBelow(int start, int n) {
        int k = ready.firstAbsentFrom(start);
        return k >= 0 && k < n ? OptionalInt.of(k) : OptionalInt.empty();
    }

    /** As {@link #firstNotReadyBelow(int, int)}, where the ordinals in {@code skipped} (reserved) are not awaited. */
    public OptionalInt firstNotReadyBelow(int start, int n, OrdinalSet skipped) {
        int k = OrdinalSet.union(ready, skipped).firstAbsentFrom(start);
        return k >= 0 && k < n ? OptionalInt.of(k) : OptionalInt.empty();
    }

    /** As {@link #firstGapFrom(int)}, where the ordinals in {@code skipped} (reserved) are no gap. */
    public int firstGapFrom(int start, OrdinalSet skipped) {
        return OrdinalSet.union(live, skipped).firstAbsentFrom(start);
    }

    /** The highest live ordinal, or -1 when the set has no live pod. */
    public int highestLive() {
        return live.max();
    }

    /** How many ordinals in {@code [start, n)} no live pod holds: the gaps a pod of ordinal {@code n} leaves. */
    public long gapCountBelow(int start, int n) {
        return n <= start ? 0 : (long) n - start - live.countIn(start, n);
    }

    /** The lowest ordinal {@code >= start} that no live pod holds (ignoring reservations); -1 on overflow. */
    public int firstGapFrom(int start) {
        return live.firstAbsentFrom(start);
    }

    /** A live member whose settings differ from {@code mine}, if any. */
    public Optional<Member> disagreeingWith(SetSettings mine) {
        for (Map.Entry<SetSettings, Member> e : liveSettings.entrySet()) {
            if (!e.getKey().equals(mine)) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }
}
