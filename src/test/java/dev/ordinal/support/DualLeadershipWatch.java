package dev.ordinal.support;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/** Samples every 5 ms whether two controllers both believe they lead, and counts the samples where they do. */
public final class DualLeadershipWatch implements AutoCloseable {

    private final AtomicInteger bothLeading = new AtomicInteger();
    private final Thread sampler;

    private DualLeadershipWatch(BooleanSupplier first, BooleanSupplier second) {
        sampler = new Thread(
                () -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        if (first.getAsBoolean() && second.getAsBoolean()) {
                            bothLeading.incrementAndGet();
                        }
                        try {
                            Thread.sleep(5);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "dual-leadership-watch");
        sampler.setDaemon(true);
    }

    /** Starts sampling {@code first} and {@code second} (usually two controllers' {@code isLeader}). */
    public static DualLeadershipWatch start(BooleanSupplier first, BooleanSupplier second) {
        DualLeadershipWatch watch = new DualLeadershipWatch(first, second);
        watch.sampler.start();
        return watch;
    }

    /** Samples so far in which both believed they lead. */
    public int bothLeadingSamples() {
        return bothLeading.get();
    }

    @Override
    public void close() {
        sampler.interrupt();
    }
}
