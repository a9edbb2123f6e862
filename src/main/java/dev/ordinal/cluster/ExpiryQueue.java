package dev.ordinal.cluster;

import java.time.Instant;
import java.util.function.IntConsumer;

/**
 * Reservation expiries of one set in the order they were added (the reservation TTL is constant, so that is expiry
 * order): an ordinal and the nanosecond it expires at, kept in two growable ring buffers. A creation storm holds one
 * entry per pod created within a TTL (15 s at thousands per second); as a queue of boxed records with {@code Instant}s
 * and a map beside it, that was about 100 bytes each, lived long enough to be promoted, and cost full collections.
 * Here an entry is 12 bytes and nothing is allocated per reservation.
 */
final class ExpiryQueue {

    private int[] ordinals = new int[8];
    private long[] expiresAt = new long[8];
    private int head;
    private int size;

    /** {@code instant} as nanoseconds since the epoch (exact until the year 2262). */
    static long nanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }

    void add(int ordinal, long expiresAtNanos) {
        if (size == ordinals.length) {
            grow();
        }
        int tail = (head + size) % ordinals.length;
        ordinals[tail] = ordinal;
        expiresAt[tail] = expiresAtNanos;
        size++;
    }

    /** Whether the oldest entry expires at or before {@code nanos}; false when empty. */
    boolean firstExpiresBy(long nanos) {
        return size > 0 && expiresAt[head] <= nanos;
    }

    /** Removes the oldest entry and returns its ordinal; the queue must not be empty. */
    int removeFirst() {
        if (size == 0) {
            throw new IllegalStateException("no expiry queued");
        }
        int ordinal = ordinals[head];
        head = (head + 1) % ordinals.length;
        size--;
        if (size == 0) {
            head = 0;
        }
        if (ordinals.length > 64 && size < ordinals.length / 4) {
            shrink();
        }
        return ordinal;
    }

    int size() {
        return size;
    }

    /** The ordinal of every entry that expires after {@code nanos}, oldest first. */
    void forEachExpiringAfter(long nanos, IntConsumer action) {
        for (int i = 0; i < size; i++) {
            int at = (head + i) % ordinals.length;
            if (expiresAt[at] > nanos) {
                action.accept(ordinals[at]);
            }
        }
    }

    private void grow() {
        resize(ordinals.length * 2);
    }

    /** A storm's queue is given back once it drains, rather than held at its peak for the life of the set. */
    private void shrink() {
        resize(ordinals.length / 2);
    }

    private void resize(int capacity) {
        int[] o = new int[capacity];
        long[] e = new long[capacity];
        for (int i = 0; i < size; i++) {
            o[i] = ordinals[(head + i) % ordinals.length];
            e[i] = expiresAt[(head + i) % ordinals.length];
        }
        ordinals = o;
        expiresAt = e;
        head = 0;
    }
}
