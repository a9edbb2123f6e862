package dev.ordinal.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * A bounded, stoppable control loop on its own daemon thread: {@link #tick} every {@code period} until
 * {@link #close} or until {@code lifetime} has passed, whichever is first. A tick that throws is logged and the
 * loop goes on, as a controller's work queue would retry; the last error is kept for tests.
 */
public abstract class SimLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SimLoop.class);

    private final String name;
    private final Duration period;
    private final Duration lifetime;
    private final AtomicReference<Throwable> lastError = new AtomicReference<>();
    private volatile boolean stopped;
    private Thread thread;

    protected SimLoop(String name, Duration period, Duration lifetime) {
        this.name = name;
        this.period = period;
        this.lifetime = lifetime;
    }

    /** One pass of the loop. */
    protected abstract void tick() throws Exception;

    /** Starts the loop; returns this. */
    public synchronized SimLoop start() {
        if (thread != null) {
            throw new IllegalStateException(name + " already started");
        }
        Instant deadline = Instant.now().plus(lifetime);
        thread = new Thread(
                () -> {
                    while (!stopped
                            && Instant.now().isBefore(deadline)
                            && !Thread.currentThread().isInterrupted()) {
                        try {
                            tick();
                        } catch (Exception | AssertionError e) {
                            lastError.set(e);
                            LOG.debugf(e, "%s: tick failed", name);
                        }
                        AdmissionChain.pause(period);
                    }
                    if (!stopped) {
                        LOG.warnf("%s stopped after its lifetime of %s", name, lifetime);
                    }
                },
                "sim-" + name);
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** The last error a tick threw, or null. */
    public Throwable lastError() {
        return lastError.get();
    }

    public String name() {
        return name;
    }

    /** Stops the loop and waits up to 5 s for the current tick to end. */
    @Override
    public void close() {
        stopped = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(5_000);
                if (t.isAlive()) {
                    t.interrupt();
                    t.join(2_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
