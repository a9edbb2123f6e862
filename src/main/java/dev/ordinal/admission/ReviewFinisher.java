package dev.ordinal.admission;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.ordinal.config.OutOfMemoryExit;
import dev.ordinal.identity.Decision;
import dev.ordinal.identity.Member;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.jboss.logging.Logger;

/**
 * Turns what a review came to into the HTTP answer, in one place (as controller-runtime's {@code Complete} and
 * josdk-webhooks' {@code AdmissionUtils} do): a body that is not an AdmissionReview is HTTP 400 with a Kubernetes
 * {@code Status}; everything else is HTTP 200 echoing the uid, with the patch computed by diff, the warnings, and an
 * exception of the rule mapped to {@code allowed: false}, code 500 and a pointer to the logs. Also counts every
 * review and logs each denial at INFO; admitted reviews are logged at DEBUG only (a line per pod created was a
 * measurable share of a creation storm's cost, and the counter has the numbers).
 */
@ApplicationScoped
class ReviewFinisher {

    private static final Logger LOG = Logger.getLogger(ReviewFinisher.class);
    /** Longest uid, name or set name written to the log. */
    private static final int ID_CHARS = 200;
    /** Longest denial message written to the log. */
    private static final int MESSAGE_CHARS = 1000;

    @Inject
    AdmissionMetrics metrics;

    @Inject
    ObjectMapper mapper;

    /** How an out-of-heap error in a review ends the process ({@link OutOfMemoryExit#HALT}); a test records it. */
    IntConsumer halt = OutOfMemoryExit.HALT;

    /** The HTTP status and body to send. */
    record Answer(int status, Object body) {}

    /**
     * Answers {@code decoded} for {@code webhook}, deciding an AdmissionReview with {@code rule}; never throws.
     * {@code started} is {@link System#nanoTime()} when the request came in.
     */
    Answer finish(String webhook, ReviewCodec.Decoded decoded, Function<ReviewRequest, Decision> rule, long started) {
        // A rule that answers synchronously gives a completed stage: join() returns at once, on this thread.
        return finishAsync(webhook, decoded, request -> CompletableFuture.completedFuture(rule.apply(request)), started)
                .toCompletableFuture()
                .join();
    }

    /**
     * {@link #finish} for a rule that may complete later ({@link PodMutator}'s live list); the stage completes with
     * the answer and never exceptionally.
     */
    CompletionStage<Answer> finishAsync(
            String webhook,
            ReviewCodec.Decoded decoded,
            Function<ReviewRequest, CompletionStage<Decision>> rule,
            long started) {
        if (decoded instanceof ReviewCodec.Decoded.NotAReview bad) {
            metrics.rejectedBody(webhook);
            LOG.infof("review webhook=%s rejected body: %s", webhook, forLog(bad.message(), MESSAGE_CHARS));
            Status status = new StatusBuilder()
                    .withStatus("Failure")
                    .withCode(400)
                    .withReason("BadRequest")
                    .withMessage(bad.message())
                    .build();
            return CompletableFuture.completedFuture(new Answer(400, status));
        }
        if (decoded instanceof ReviewCodec.Decoded.Refused refused) {
            metrics.reviewed(webhook, "unknown", refused.deny(), false, Duration.ofNanos(System.nanoTime() - started));
            LOG.infof(
                    "review uid=%s webhook=%s decision=denied code=%d message=%s",
                    forLog(refused.uid(), ID_CHARS),
                    webhook,
                    refused.deny().code(),
                    forLog(refused.deny().message(), MESSAGE_CHARS));
            return CompletableFuture.completedFuture(
                    new Answer(200, review(refused.uid(), refused.apiVersion(), refused.deny(), null)));
        }
        ReviewRequest request = ((ReviewCodec.Decoded.Ok) decoded).request();
        CompletionStage<Decision> decided;
        try {
            decided = rule.apply(request);
        } catch (RuntimeException | Error e) {
            decided = CompletableFuture.failedFuture(e);
        }
        return decided.handle((decision, error) -> complete(webhook, request, decision, error, started));
    }

    /** The answer to {@code request}: the decision with its patch, or {@code error} mapped to an internal error. */
    private Answer complete(String webhook, ReviewRequest request, Decision decision, Throwable error, long started) {
        ArrayNode patch = null;
        byte[] patchJson = null;
        try {
            if (error != null) {
                throw error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            }
            if (decision instanceof Decision.Allow allow && allow.mutated() != null) {
                patch = PatchDiff.diff(mapper, request.pod(), allow.mutated());
                patchJson = patch.isEmpty() ? null : mapper.writeValueAsBytes(patch);
            }
        } catch (Throwable e) {
            // Out of heap, the process halts as it does elsewhere (config.OutOfMemoryExit) instead of denying
            // every pod from then on.
            OutOfMemoryExit.haltIfOutOfMemory(e, "an admission review", halt);
            LOG.errorf(
                    e,
                    "review uid=%s webhook=%s pod=%s failed",
                    forLog(request.uid(), ID_CHARS),
                    webhook,
                    forLog(request.describePod(), ID_CHARS));
            decision = new Decision.Deny(
                    500,
                    "InternalError",
                    "Ordinal failed to review this pod (uid " + request.uid() + "); see the Ordinal logs",
                    List.of());
            patch = null;
            patchJson = null;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        boolean patched = patchJson != null;
        metrics.reviewed(webhook, request.operation().name(), decision, patched, took);
        log(webhook, request, decision, patched ? patch.size() : 0, took);
        return new Answer(200, review(request.uid(), request.apiVersion(), decision, patchJson));
    }

    /**
     * The review answering {@code uid} with {@code decision}: the request's apiVersion mirrored, {@code patchType}
     * only with a patch ({@code patch}, the JSON Patch as UTF-8, is null or non-empty), warnings when there are any.
     */
    private static AdmissionReview review(String uid, String apiVersion, Decision decision, byte[] patch) {
        AdmissionResponseBuilder response = new AdmissionResponseBuilder().withUid(uid);
        if (decision instanceof Decision.Deny deny) {
            response.withAllowed(false)
                    .withStatus(new StatusBuilder()
                            .withStatus("Failure")
                            .withCode(deny.code())
                            .withReason(deny.reason())
                            .withMessage(deny.message())
                            .build());
        } else {
            response.withAllowed(true);
            if (patch != null) {
                response.withPatchType("JSONPatch")
                        .withPatch(Base64.getEncoder().encodeToString(patch));
            }
        }
        if (!decision.warnings().isEmpty()) {
            response.withWarnings(decision.warnings());
        }
        return new AdmissionReviewBuilder()
                .withApiVersion(apiVersion)
                .withKind("AdmissionReview")
                .withResponse(response.build())
                .build();
    }

    private static void log(String webhook, ReviewRequest request, Decision decision, int patchOps, Duration took) {
        if (!(decision instanceof Decision.Deny) && !LOG.isDebugEnabled()) {
            return; // admitted reviews are counted (ordinal_admission_requests_total), logged only at DEBUG
        }
        String set = request.pod() == null ? null : forLog(Member.setOf(request.pod()), ID_CHARS);
        String pod = patchOps > 0 && decision instanceof Decision.Allow allow
                ? request.namespace() + "/" + allow.mutated().getMetadata().getName()
                : request.describePod();
        String review = String.format(
                "review uid=%s webhook=%s op=%s pod=%s set=%s dryRun=%s",
                forLog(request.uid(), ID_CHARS),
                webhook,
                request.operation(),
                forLog(pod, ID_CHARS),
                set,
                request.dryRun());
        long micros = took.toNanos() / 1000;
        if (decision instanceof Decision.Deny deny) {
            LOG.infof(
                    "%s decision=denied code=%d tookMicros=%d message=%s",
                    review, deny.code(), micros, forLog(deny.message(), MESSAGE_CHARS));
        } else if (patchOps > 0) {
            LOG.debugf("%s decision=patched patchOps=%d tookMicros=%d", review, patchOps, micros);
        } else {
            LOG.debugf(
                    "%s decision=allowed warnings=%d tookMicros=%d",
                    review, decision.warnings().size(), micros);
        }
    }

    /**
     * {@code value} (from the request) as it may appear in a log line: control characters escaped, so a uid or name
     * with a line break cannot forge a log line, and cut to {@code max} characters, so a megabyte-long uid or
     * generateName cannot flood the log.
     */
    static String forLog(String value, int max) {
        if (value == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(value.length(), max) + 16);
        for (int i = 0; i < value.length(); i++) {
            if (out.length() >= max) {
                out.append("…(").append(value.length()).append(" chars)");
                break;
            }
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
