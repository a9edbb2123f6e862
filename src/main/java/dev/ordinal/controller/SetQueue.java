package dev.ordinal.controller;

import dev.ordinal.cluster.SetKey;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

/**
 * A de-duplicating, delaying work queue of sets for one worker thread. A set is pending at most once, at its
 * earliest due time; adding it again earlier moves it up, later changes nothing. A set added while it is being
 * reconciled is pending again and runs once more afterwards, so no change is lost.
 */
final class SetQueue {

    private final DelayQueue<Item> queue = new DelayQueue<>();
    private final Map<SetKey, Long> due = new ConcurrentHashMap<>();

    /** Makes {@code key} due now. */
    void add(SetKey key) {
        addAfter(key, Duration.ZERO);
    }

    /** Makes {@code key} due after {@code delay}, unless it is already due sooner. */
    void addAfter(SetKey key, Duration delay) {
        long at = System.nanoTime() + Math.max(0, delay.toNanos());
        // Only a new, earlier due time enqueues an item; the superseded item is skipped when it comes out.
        Long merged = due.merge(key, at, Math::min);
        if (merged == at) {
            queue.offer(new Item(key, at));
        }
    }

    /** The next due set, waiting at most {@code timeout}; empty when none became due in time. */
    Optional<SetKey> poll(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Item item = queue.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (item == null) {
                return Optional.empty();
            }
            if (due.remove(item.key(), item.at())) {
                return Optional.of(item.key());
            }
        }
    }

    /** Number of pending sets. */
    int size() {
        return due.size();
    }

    /** Forgets every pending set (this replica stopped leading). */
    void clear() {
        due.clear();
        queue.clear();
    }

    private record Item(SetKey key, long at) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(at - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(at, ((Item) other).at);
        }
    }
}
