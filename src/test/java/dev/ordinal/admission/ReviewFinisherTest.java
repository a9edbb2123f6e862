package dev.ordinal.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ordinal.config.OutOfMemoryExit;
import dev.ordinal.identity.Decision;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a rule that fails becomes: an exception is the review's internal error (allowed false, code 500); running out
 * of heap ends the process instead (config.OutOfMemoryExit), wherever the error surfaces, or every pod created from
 * then on would be denied by a process that looks healthy.
 */
class ReviewFinisherTest {

    private final List<Integer> halts = new CopyOnWriteArrayList<>();
    private ReviewFinisher finisher;

    @BeforeEach
    void finisher() {
        AdmissionMetrics metrics = new AdmissionMetrics();
        metrics.registry = new SimpleMeterRegistry();
        finisher = new ReviewFinisher();
        finisher.metrics = metrics;
        finisher.mapper = new ObjectMapper();
        finisher.halt = halts::add;
    }

    @Test
    void aRuleThatThrowsIsAnInternalErrorAndTheProcessGoesOn() {
        AdmissionReview review = answer(request -> {
            throw new IllegalStateException("a bug");
        });

        assertThat(review.getResponse().getAllowed()).isFalse();
        assertThat(review.getResponse().getStatus().getCode()).isEqualTo(500);
        assertThat(review.getResponse().getUid()).isEqualTo("uid-1");
        assertThat(halts).isEmpty();
    }

    @Test
    void aRuleThatRunsOutOfHeapHalts() {
        // Caught here so that an error escaping the finisher fails this test instead of the test JVM.
        Throwable escaped = catchThrowable(() -> answer(request -> {
            throw new OutOfMemoryError("Java heap space");
        }));

        assertThat(escaped).as("what escaped the finisher").isNull();
        assertThat(halts).containsExactly(OutOfMemoryExit.EXIT_CODE);
    }

    @Test
    void aLaterStageThatRunsOutOfHeapHalts() {
        answer(request -> CompletableFuture.failedFuture(new CompletionException(new OutOfMemoryError("heap"))));

        assertThat(halts).containsExactly(OutOfMemoryExit.EXIT_CODE);
    }

    @Test
    void anAdmittedReviewNeitherHaltsNorPatchesWhatDidNotChange() {
        AdmissionReview review = answer(request -> CompletableFuture.completedFuture(Decision.Allow.unchanged()));

        assertThat(review.getResponse().getAllowed()).isTrue();
        assertThat(review.getResponse().getPatch()).isNull();
        assertThat(halts).isEmpty();
    }

    private AdmissionReview answer(Function<ReviewRequest, CompletionStage<Decision>> rule) {
        Pod pod = PodFixtures.member("web").build();
        ReviewRequest request = new ReviewRequest(
                "uid-1", "admission.k8s.io/v1", Operation.CREATE, "default", "alice", false, null, pod, null);
        ReviewFinisher.Answer answer = finisher.finishAsync("mutate", new ReviewCodec.Decoded.Ok(request), rule, 0L)
                .toCompletableFuture()
                .join();
        assertThat(answer.status()).isEqualTo(200);
        return (AdmissionReview) answer.body();
    }
}
