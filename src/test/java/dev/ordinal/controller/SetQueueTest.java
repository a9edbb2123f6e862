package dev.ordinal.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.cluster.SetKey;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The work queue: one pending entry per set, the earliest due time wins. */
class SetQueueTest {

    static final SetKey A = new SetKey("ns", "a");
    static final SetKey B = new SetKey("ns", "b");

    @Test
    void aSetAddedTwiceIsReconciledOnce() throws InterruptedException {
        SetQueue q = new SetQueue();
        q.add(A);
        q.add(A);
        q.add(B);
        assertThat(q.poll(Duration.ofMillis(100))).contains(A);
        assertThat(q.poll(Duration.ofMillis(100))).contains(B);
        assertThat(q.poll(Duration.ofMillis(50))).isEmpty();
    }

    @Test
    void anEarlierAddMovesADelayedSetUpAndALaterOneDoesNot() throws InterruptedException {
        SetQueue q = new SetQueue();
        q.addAfter(A, Duration.ofSeconds(30));
        q.add(A);
        assertThat(q.poll(Duration.ofMillis(100))).contains(A);
        assertThat(q.poll(Duration.ofMillis(50)))
                .as("superseded entry is skipped")
                .isEmpty();

        q.add(B);
        q.addAfter(B, Duration.ofSeconds(30));
        assertThat(q.poll(Duration.ofMillis(100))).contains(B);
        assertThat(q.size()).isZero();
    }

    @Test
    void aDelayedSetComesOutAfterItsDelay() throws InterruptedException {
        SetQueue q = new SetQueue();
        q.addAfter(A, Duration.ofMillis(200));
        assertThat(q.poll(Duration.ofMillis(50))).isEmpty();
        Optional<SetKey> later = q.poll(Duration.ofSeconds(2));
        assertThat(later).contains(A);
    }

    @Test
    void aSetAddedWhileBeingReconciledRunsAgain() throws InterruptedException {
        SetQueue q = new SetQueue();
        q.add(A);
        assertThat(q.poll(Duration.ofMillis(100))).contains(A);
        q.add(A); // a change arrives during the reconcile
        assertThat(q.poll(Duration.ofMillis(100))).contains(A);
    }
}
