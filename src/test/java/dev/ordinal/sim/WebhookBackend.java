package dev.ordinal.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** Where a webhook's AdmissionReviews go: the real app over HTTPS, or a function in this process. */
public interface WebhookBackend {

    /**
     * Sends {@code review} and returns the response AdmissionReview. Throws {@link CallFailed} when there is no
     * usable answer within {@code timeout}; the chain then applies the webhook's failure policy.
     */
    JsonNode call(String path, JsonNode review, Duration timeout) throws CallFailed;

    /** A short description of the instance that served the last call on this thread, for the call log. */
    default String lastInstance() {
        return "in-process";
    }

    /** The webhook could not be called or gave no usable answer (the API server's ErrCallingWebhook). */
    final class CallFailed extends Exception {
        public CallFailed(String message) {
            super(message);
        }
    }
}
