package dev.ordinal.cluster;

import dev.ordinal.identity.Member;
import dev.ordinal.identity.OrdinalSet;
import dev.ordinal.identity.Ordinals;
import dev.ordinal.identity.ReservedOrdinals;
import dev.ordinal.identity.SetSnapshot;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Pods indexed by set, kept as immutable {@link Member} summaries, plus this replica's ordinal reservations. Fed by
 * the pod informer; read by admission through {@link #snapshot} and {@link #assign}. A set's snapshot is rebuilt
 * lazily, once per change, so a burst of reviews between changes costs one rebuild and the hot path stays flat in
 * the size of the set.
 */
final class SetIndex {

    private final Map<SetKey, SetState> sets = new ConcurrentHashMap<>();
    /** Pods held across all sets. */
    private final AtomicInteger memberCount = new AtomicInteger();

    /** Records the current state of {@code pod} (an informer add or update). */
    public void upsert(Pod pod) {
        SetKey key = keyOf(pod);
        if (key == null) {
            return;
        }
        Member member = Member.of(pod, key.set());
        update(key, state -> {
            Member previous = state.members.put(member.name(), member);
            if (previous == null) {
                memberCount.incrementAndGet();
            }
            if (previous == null && member.ordinal() >= 0) {
                // The cache now holds the pod, so the reservation that named it has done its job.
                state.release(member.ordinal());
            }
            state.snapshot = null;
            return null;
        });
    }

    /** Forgets {@code pod} (an informer delete). */
    public void remove(Pod pod) {
        SetKey key = keyOf(pod);
        if (key == null) {
            return;
        }
        update(key, state -> {
            if (state.members.remove(pod.getMetadata().getName()) != null) {
                memberCount.decrementAndGet();
                state.snapshot = null;
            }
            return null;
        });
    }

    /**
     * Applies {@code change} to the state of {@code key} under the map's lock for that key, and drops the entry once
     * it holds neither members nor reservations, so sets that come and go (and dryRuns for unknown sets) leave
     * nothing behind. Every write goes through here, so no write can land in an entry that was just dropped.
     */
    private <T> T update(SetKey key, Function<SetState, T> change) {
        Object[] result = new Object[1];
        sets.compute(key, (k, existing) -> {
            SetState state = existing == null ? new SetState() : existing;
            synchronized (state) {
                result[0] = change.apply(state);
                return state.members.isEmpty() && state.reserved.size() == 0 ? null : state;
            }
        });
        @SuppressWarnings("unchecked")
        T value = (T) result[0];
        return value;
    }

    /** An immutable view of set {@code key} now; empty when the set has no pods. */
    public SetSnapshot snapshot(SetKey key) {
        SetState state = sets.get(key);
        if (state == null) {
            return SetSnapshot.empty(key.namespace(), key.set());
        }
        synchronized (state) {
            return state.snapshot(key);
        }
    }

    /**
     * Chooses the lowest free ordinal of {@code key} from {@code start}, skipping ordinals this replica reserved
     * and has not seen stored yet. With {@code reserve} (not a dryRun) the chosen ordinal is reserved until the cache
     * sees its pod or {@code ttl} passes, so concurrent requests in this process never get the same ordinal.
     */
    public Ordinals.Assignment assign(SetKey key, int start, boolean reserve, Instant now, Duration ttl) {
        return assign(key, start, ReservedOrdinals.NONE, reserve, now, ttl);
    }

    /** As {@link #assign(SetKey, int, boolean, Instant, Duration)}, never choosing an ordinal in {@code skipped}. */
    public Ordinals.Assignment assign(
            SetKey key, int start, OrdinalSet skipped, boolean reserve, Instant now, Duration ttl) {
        return update(key, state -> {
            state.expire(now);
            OrdinalSet unavailable = skipped instanceof ReservedOrdinals r && r.isEmpty()
                    ? state.reserved
                    : OrdinalSet.union(state.reserved, skipped);
            Ordinals.Assignment assignment = Ordinals.assign(state.snapshot(key), start, unavailable);
            if (reserve && assignment instanceof Ordinals.Assignment.Assigned assigned) {
                state.reserve(assigned.ordinal(), now.plus(ttl));
            }
            return assignment;
        });
    }

    /** Drops this replica's reservation of ordinal {@code n} of {@code key}, when the pod will not be created. */
    public void release(SetKey key, int n) {
        if (sets.containsKey(key)) {
            update(key, state -> {
                state.release(n);
                return null;
            });
        }
    }

    /** Drops expired reservations of every set, and with them the entries of sets that have no pods left. */
    public void sweep(Instant now) {
        for (SetKey key : sets.keySet()) {
            update(key, state -> {
                state.expire(now);
                return null;
            });
        }
    }

    /** Ordinals of {@code key} reserved by this replica now. */
    public Set<Integer> reserved(SetKey key) {
        SetState state = sets.get(key);
        if (state == null) {
            return Set.of();
        }
        synchronized (state) {
            Set<Integer> reserved = new HashSet<>();
            state.reserved.forEach(reserved::add);
            return Set.copyOf(reserved);
        }
    }

    /**
     * Ordinals of {@code key} reserved by this replica and not expired at {@code now}: unlike {@link #reserved}, a
     * reservation past its TTL that no assignment or sweep has dropped yet does not count.
     */
    public Set<Integer> reserved(SetKey key, Instant now) {
        SetState state = sets.get(key);
        if (state == null) {
            return Set.of();
        }
        synchronized (state) {
            Set<Integer> live = new HashSet<>();
            // The newest entry of an ordinal expires last, so any entry after now means its reservation is live.
            state.expiries.forEachExpiringAfter(ExpiryQueue.nanos(now), n -> {
                if (state.reserved.contains(n)) {
                    live.add(n);
                }
            });
            return live;
        }
    }

    /** How many pods the index holds, across all sets. */
    public int memberCount() {
        return memberCount.get();
    }

    /** Every set that has or had pods in the cache. */
    public Collection<SetKey> sets() {
        return List.copyOf(sets.keySet());
    }

    /** The members of {@code key} (names), for the controller to look up. */
    public Set<String> memberNames(SetKey key) {
        SetState state = sets.get(key);
        if (state == null) {
            return Set.of();
        }
        synchronized (state) {
            return new HashSet<>(state.members.keySet());
        }
    }

    /** The set {@code pod} belongs to, or null when it carries no set label. */
    public static SetKey keyOf(Pod pod) {
        String set = Member.setOf(pod);
        return set == null ? null : new SetKey(pod.getMetadata().getNamespace(), set);
    }

    private static final class SetState {
        final Map<String, Member> members = new HashMap<>();
        /** Reserved ordinals as runs, for the lowest-free search. */
        final OrdinalIntervals reserved = new OrdinalIntervals();
        /** When each reservation expires, in expiry order (the TTL is constant). */
        final ExpiryQueue expiries = new ExpiryQueue();
        /** Ordinals with an entry in {@link #expiries}, as runs; a released ordinal keeps its entry until it expires. */
        final OrdinalIntervals queued = new OrdinalIntervals();
        /**
         * For an ordinal reserved again while an older entry of it is still queued: how many entries it has. Only the
         * newest may release it. Rare (a pod seen, deleted and its ordinal handed out again within one TTL), so
         * boxing here costs nothing in a creation storm, where every other structure is primitive.
         */
        final Map<Integer, Integer> entriesOfRequeued = new HashMap<>();

        SetSnapshot snapshot;

        void reserve(int n, Instant expiresAt) {
            reserved.add(n);
            if (queued.contains(n)) {
                entriesOfRequeued.merge(n, 2, (count, two) -> count + 1);
            } else {
                queued.add(n);
            }
            expiries.add(n, ExpiryQueue.nanos(expiresAt));
        }

        void release(int n) {
            reserved.remove(n);
        }

        /** Drops reservations that expired by {@code now}; entries of ordinals released early change nothing. */
        void expire(Instant now) {
            long at = ExpiryQueue.nanos(now);
            while (expiries.firstExpiresBy(at)) {
                int n = expiries.removeFirst();
                Integer count = entriesOfRequeued.get(n);
                if (count == null) {
                    queued.remove(n);
                    reserved.remove(n);
                } else if (count == 2) {
                    entriesOfRequeued.remove(n);
                } else {
                    entriesOfRequeued.put(n, count - 1);
                }
            }
        }

        SetSnapshot snapshot(SetKey key) {
            if (snapshot == null) {
                snapshot = SetSnapshot.of(key.namespace(), key.set(), List.copyOf(members.values()));
            }
            return snapshot;
        }
    }
}
