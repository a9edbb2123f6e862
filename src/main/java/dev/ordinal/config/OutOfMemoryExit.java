package dev.ordinal.config;

import io.quarkus.runtime.Startup;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.function.IntConsumer;
import org.jboss.logging.Logger;

/**
 * Ends the process when it runs out of heap, so the kubelet restarts it and {@code kubectl get pods} shows why.
 *
 * <p>The JVM image has {@code -XX:+ExitOnOutOfMemoryError}. The native executable accepts that option but, as
 * measured (GraalVM 25.0.2, {@code -Xmx100m} against 10,000 pods), does not exit: the informer thread that took the
 * error died, the pod cache never synced, and the pod stayed unready and alive forever. Here every uncaught
 * {@link OutOfMemoryError}, and one the informers report (fabric8 hands it to {@code ClusterCaches} wrapped in a
 * {@code CompletionException}), halts the process with one line naming the fix. Halt, not exit: shutdown hooks
 * would need the heap that is gone.
 *
 * <p>An error thrown on a Vert.x event loop (the informers' HTTP client reads the pod list there) never reaches the
 * thread's handler: Vert.x catches it and hands it to its own exception handler, which Quarkus sets to log it. So that
 * handler is wrapped too; without it, the process logged the error and stayed up, unready.
 */
@Startup(0)
@ApplicationScoped
public class OutOfMemoryExit {

    /** The exit status; distinct from a failed start (1). */
    public static final int EXIT_CODE = 3;

    private static final Logger LOG = Logger.getLogger(OutOfMemoryExit.class);
    private static final int MAX_CAUSE_DEPTH = 32;
    /** Ends the process at once with the given status: the default of every {@code halt} parameter here. */
    public static final IntConsumer HALT = status -> Runtime.getRuntime().halt(status);

    private static final String ADVICE = "exiting with status " + EXIT_CODE
            + " to be restarted. Give it a larger -Xmx and memory limit (README, Sizing)";
    private static final byte[] FALLBACK_LINE =
            ("Ordinal ran out of heap; " + ADVICE + System.lineSeparator()).getBytes(StandardCharsets.UTF_8);

    @Inject
    Vertx vertx;

    @PostConstruct
    void install() {
        Thread.setDefaultUncaughtExceptionHandler(handler(Thread.getDefaultUncaughtExceptionHandler(), HALT));
        haltOnEventLoopOutOfMemory(vertx, HALT);
    }

    /** Halts when {@code error} is, or was caused by, an {@link OutOfMemoryError}; otherwise does nothing. */
    public static void haltIfOutOfMemory(Throwable error, String where) {
        haltIfOutOfMemory(error, where, HALT);
    }

    /** {@link #haltIfOutOfMemory(Throwable, String)} ending the process through {@code halt} (tests: a recorder). */
    public static void haltIfOutOfMemory(Throwable error, Object where, IntConsumer halt) {
        if (!causedByOutOfMemory(error)) {
            return;
        }
        // Everything here may fail for want of heap: System.err directly (the async log handler may never write
        // again), the detailed line if it can be built, the preallocated one if not, and the halt in any case.
        try {
            System.err.println("Ordinal ran out of heap (" + where + "): " + error + "; " + ADVICE);
        } catch (Throwable noHeap) {
            try {
                System.err.write(FALLBACK_LINE);
            } catch (Throwable ignored) {
                // the halt below still ends the process
            }
        } finally {
            System.err.flush();
            halt.accept(EXIT_CODE);
        }
    }

    static Thread.UncaughtExceptionHandler handler(Thread.UncaughtExceptionHandler previous, IntConsumer halt) {
        return (thread, error) -> {
            haltIfOutOfMemory(error, thread, halt);
            if (previous != null) {
                previous.uncaughtException(thread, error);
            } else {
                LOG.errorf(error, "Uncaught exception in thread %s", thread.getName());
            }
        };
    }

    static void haltOnEventLoopOutOfMemory(Vertx vertx, IntConsumer halt) {
        Handler<Throwable> previous = vertx.exceptionHandler();
        vertx.exceptionHandler(error -> {
            haltIfOutOfMemory(error, "a Vert.x event loop", halt);
            if (previous != null) {
                previous.handle(error);
            } else {
                LOG.error("Uncaught exception received by Vert.x", error);
            }
        });
    }

    /** Allocation-free: a bounded walk down the causes (a cycle ends it too). */
    static boolean causedByOutOfMemory(Throwable error) {
        Throwable t = error;
        for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }
}
