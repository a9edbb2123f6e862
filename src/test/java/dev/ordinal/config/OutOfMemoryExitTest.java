package dev.ordinal.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
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
}
