package dev.ordinal.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A stand-in for someone else's webhook (a sidecar injector, a policy engine), run in this process. It answers an
 * AdmissionReview as a real one does, a JSON Patch included, so the chain's patch, re-invocation and error paths
 * are exercised as they are for Ordinal.
 */
public final class InProcessWebhook implements WebhookBackend {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Function<JsonNode, ObjectNode> respond;
    private final Duration delay;
    private final AtomicInteger calls = new AtomicInteger();

    private InProcessWebhook(Function<JsonNode, ObjectNode> respond, Duration delay) {
        this.respond = respond;
        this.delay = delay;
    }

    /** Allows, with the patch from the object to {@code mutation} of a copy of it (no patch if unchanged). */
    public static InProcessWebhook mutating(UnaryOperator<ObjectNode> mutation) {
        return new InProcessWebhook(
                request -> {
                    ObjectNode response = allowed(request);
                    JsonNode object = request.get("object");
                    if (object != null && object.isObject()) {
                        ObjectNode mutated = mutation.apply(((ObjectNode) object).deepCopy());
                        ArrayNode patch = (ArrayNode) JsonDiff.asJson(
                                object,
                                mutated,
                                EnumSet.of(DiffFlags.OMIT_MOVE_OPERATION, DiffFlags.OMIT_COPY_OPERATION));
                        if (!patch.isEmpty()) {
                            response.put("patchType", "JSONPatch")
                                    .put(
                                            "patch",
                                            Base64.getEncoder()
                                                    .encodeToString(
                                                            patch.toString().getBytes(StandardCharsets.UTF_8)));
                        }
                    }
                    return response;
                },
                Duration.ZERO);
    }

    /** Denies every request with {@code code} and {@code message}. */
    public static InProcessWebhook denying(int code, String reason, String message) {
        return new InProcessWebhook(
                request -> {
                    ObjectNode response = allowed(request).put("allowed", false);
                    response.putObject("status")
                            .put("status", "Failure")
                            .put("code", code)
                            .put("reason", reason)
                            .put("message", message);
                    return response;
                },
                Duration.ZERO);
    }

    /** Allows with {@code warning}. */
    public static InProcessWebhook warning(String warning) {
        return new InProcessWebhook(
                request -> {
                    ObjectNode response = allowed(request);
                    response.putArray("warnings").add(warning);
                    return response;
                },
                Duration.ZERO);
    }

    /** Answers with a response built by {@code respond} from the request (for malformed answers). */
    public static InProcessWebhook answering(Function<JsonNode, ObjectNode> respond) {
        return new InProcessWebhook(respond, Duration.ZERO);
    }

    /** Allows after {@code delay}: a slow webhook, for timeout tests. */
    public static InProcessWebhook slow(Duration delay) {
        return new InProcessWebhook(InProcessWebhook::allowed, delay);
    }

    /** How many reviews this webhook has answered or timed out on. */
    public int calls() {
        return calls.get();
    }

    @Override
    public JsonNode call(String path, JsonNode review, Duration timeout) throws CallFailed {
        calls.incrementAndGet();
        if (!delay.isZero()) {
            if (delay.compareTo(timeout) >= 0) {
                AdmissionChain.pause(timeout);
                throw new CallFailed("failed to call webhook: Post \"in-process" + path + "?timeout="
                        + timeout.toSeconds() + "s\": context deadline exceeded");
            }
            AdmissionChain.pause(delay);
        }
        ObjectNode answer = MAPPER.createObjectNode()
                .put("apiVersion", "admission.k8s.io/v1")
                .put("kind", "AdmissionReview");
        answer.set("response", respond.apply(review.path("request")));
        return answer;
    }

    private static ObjectNode allowed(JsonNode request) {
        return MAPPER.createObjectNode()
                .put("uid", request.path("uid").asText())
                .put("allowed", true);
    }
}
