package dev.ordinal.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class OutOfMemoryExitTest {

    @Test
    void findsTheErrorHoweverDeeplyItIsWrapped() {
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
        assertThat(OutOfMemoryExit.causedByOutOfMemory(oom)).isTrue();
        assertThat(OutOfMemoryExit.causedByOutOfMemory(new CompletionException(oom)))
                .isTrue();
        assertThat(OutOfMemoryExit.causedByOutOfMemory(
                        new IllegalStateException(new CompletionException(new RuntimeException(oom)))))
                .isTrue();
        assertThat(OutOfMemoryExit.causedByOutOfMemory(new CompletionException(new IllegalStateException("gone"))))
                .isFalse();
        assertThat(OutOfMemoryExit.causedByOutOfMemory(new StackOverflowError()))
                .isFalse();
    }

    @Test
    void stopsAtACauseCycle() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertThat(OutOfMemoryExit.causedByOutOfMemory(a)).isFalse();
    }

    @Test
    void theHandlerHaltsWithStatusThreeOnlyForOutOfMemory() {
        List<Integer> halts = new ArrayList<>();
        List<Throwable> passedOn = new ArrayList<>();
        Thread.UncaughtExceptionHandler handler =
                OutOfMemoryExit.handler((thread, error) -> passedOn.add(error), halts::add);

        IllegalStateException other = new IllegalStateException("not memory");
        handler.uncaughtException(Thread.currentThread(), other);
        assertThat(halts).isEmpty();
        assertThat(passedOn).containsExactly(other);

        handler.uncaughtException(Thread.currentThread(), new CompletionException(new OutOfMemoryError("heap")));
        assertThat(halts).containsExactly(OutOfMemoryExit.EXIT_CODE);
    }

    /**
     * Vert.x catches what a handler on its event loop throws and gives it to its own exception handler, never to the
     * thread's: an out-of-memory error while reading the pod list ended there, logged, and the process stayed up.
     */
    @Test
    void anOutOfMemoryErrorOnAnEventLoopHaltsAndStillReachesTheHandlerQuarkusSet() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            List<Integer> halts = new CopyOnWriteArrayList<>();
            List<Throwable> logged = new CopyOnWriteArrayList<>();
            vertx.exceptionHandler(logged::add);
            OutOfMemoryExit.haltOnEventLoopOutOfMemory(vertx, halts::add);

            IllegalStateException other = new IllegalStateException("not memory");
            vertx.runOnContext(v -> {
                throw other;
            });
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> logged.contains(other));
            assertThat(halts).isEmpty();

            vertx.runOnContext(v -> {
                throw new OutOfMemoryError("Java heap space");
            });
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !halts.isEmpty());
            assertThat(halts).containsExactly(OutOfMemoryExit.EXIT_CODE);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
