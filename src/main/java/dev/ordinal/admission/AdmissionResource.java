package dev.ordinal.admission;

import java.time.Duration;
import java.util.function.Function;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import dev.ordinal.config.OrdinalConfig;
import dev.ordinal.identity.Decision;
import dev.ordinal.identity.Member;
import io.smallrye.common.annotation.NonBlocking;

/**
 * The webhook endpoints: {@code POST /mutate-pods} and {@code POST /validate-pods}. Decode, decide, finish: a body
 * that is not an AdmissionReview is HTTP 400, everything else HTTP 200 echoing the uid. Nothing escapes as a 500.
 */
@Path("/")
public class AdmissionResource {

    private static final Logger LOG = Logger.getLogger(AdmissionResource.class);
    /** Longest uid, name or set name written to the log. */
    private static final int ID_CHARS = 200;
    /** Longest denial message written to the log. */
    private static final int MESSAGE_CHARS = 1000;

    @Inject
    ReviewCodec codec;

    @Inject
    PodMutator mutator;

    @Inject
    PodValidator validator;

    @Inject
    AdmissionMetrics metrics;

    @Inject
    ObjectMapper mapper;

    @Inject
    OrdinalConfig config;

    @POST
    @Path("mutate-pods")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @NonBlocking
    public Response mutate(byte[] body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType) {
        return handle("mutate", body, contentType, mutator::review);
    }

    @POST
    @Path("validate-pods")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @NonBlocking
    public Response validate(byte[] body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType) {
        return handle("validate", body, contentType, validator::review);
    }

    /** Same decoding and encoding, no rule: the baseline for {@code make bench}. Off unless configured. */
    @POST
    @Path("noop-review")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @NonBlocking
    public Response noop(byte[] body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType) {
        if (!config.admission().noopEndpoint()) {
            throw new NotFoundException();
        }
        return handle("noop", body, contentType, request -> Decision.Allow.unchanged());
    }

    private Response handle(String webhook, byte[] body, String contentType,
            Function<ReviewRequest, Decision> rule) {
        long started = System.nanoTime();
        ReviewCodec.Decoded decoded = codec.decode(body, contentType);
        if (decoded instanceof ReviewCodec.Decoded.NotAReview bad) {
            metrics.rejectedBody(webhook);
            LOG.infof("review webhook=%s rejected body: %s", webhook, forLog(bad.message(), MESSAGE_CHARS));
            return Response.status(Response.Status.BAD_REQUEST).type(MediaType.APPLICATION_JSON)
                    .entity(codec.notAReview(bad.message())).build();
        }
        if (decoded instanceof ReviewCodec.Decoded.Refused refused) {
            metrics.reviewed(webhook, "unknown", refused.deny(), false, Duration.ofNanos(System.nanoTime() - started));
            LOG.infof("review uid=%s webhook=%s decision=denied code=%d message=%s", forLog(refused.uid(), ID_CHARS),
                    webhook, refused.deny().code(), forLog(refused.deny().message(), MESSAGE_CHARS));
            return Response.ok(codec.respond(refused.uid(), refused.apiVersion(), refused.deny(), null)).build();
        }
        ReviewRequest request = ((ReviewCodec.Decoded.Ok) decoded).request();
        Decision decision;
        ArrayNode patch = null;
        try {
            decision = rule.apply(request);
            if (decision instanceof Decision.Allow allow && allow.mutated() != null) {
                patch = PatchDiff.diff(mapper, request.pod(), allow.mutated());
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "review uid=%s webhook=%s pod=%s failed", forLog(request.uid(), ID_CHARS), webhook,
                    forLog(request.describePod(), ID_CHARS));
            decision = new Decision.Deny(500, "InternalError", "Ordinal failed to review this pod (uid "
                    + request.uid() + "); see the Ordinal logs", java.util.List.of());
            patch = null;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        boolean patched = patch != null && !patch.isEmpty();
        metrics.reviewed(webhook, request.operation(), decision, patched, took);
        log(webhook, request, decision, patched ? patch.size() : 0, took);
        return Response.ok(codec.respond(request.uid(), request.apiVersion(), decision, patch)).build();
    }

    private static void log(String webhook, ReviewRequest request, Decision decision, int patchOps, Duration took) {
        String set = request.pod() == null ? null : forLog(Member.setOf(request.pod()), ID_CHARS);
        String uid = forLog(request.uid(), ID_CHARS);
        if (decision instanceof Decision.Deny deny) {
            LOG.infof("review uid=%s webhook=%s op=%s pod=%s set=%s dryRun=%s decision=denied code=%d tookMicros=%d"
                    + " message=%s", uid, webhook, request.operation(), forLog(request.describePod(), ID_CHARS), set,
                    request.dryRun(), deny.code(), took.toNanos() / 1000, forLog(deny.message(), MESSAGE_CHARS));
        } else if (patchOps > 0) {
            String pod = forLog(request.namespace() + "/" + ((Decision.Allow) decision).mutated().getMetadata()
                    .getName(), ID_CHARS);
            LOG.infof("review uid=%s webhook=%s op=%s pod=%s set=%s dryRun=%s decision=patched patchOps=%d"
                    + " tookMicros=%d", uid, webhook, request.operation(), pod, set,
                    request.dryRun(), patchOps, took.toNanos() / 1000);
        } else if (LOG.isDebugEnabled()) {
            LOG.debugf("review uid=%s webhook=%s op=%s pod=%s set=%s dryRun=%s decision=allowed warnings=%d"
                    + " tookMicros=%d", uid, webhook, request.operation(), forLog(request.describePod(), ID_CHARS),
                    set, request.dryRun(), decision.warnings().size(), took.toNanos() / 1000);
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
