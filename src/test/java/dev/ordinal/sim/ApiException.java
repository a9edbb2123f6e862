package dev.ordinal.sim;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;

/**
 * A failed API request, carrying the {@code Status} the API server would return: code, reason and message as
 * kubectl prints them ({@code Error from server (<reason>): <message>}).
 */
public final class ApiException extends RuntimeException {

    private final transient Status status;

    public ApiException(Status status) {
        super(status.getMessage());
        this.status = status;
    }

    public Status status() {
        return status;
    }

    public int code() {
        return status.getCode() == null ? 0 : status.getCode();
    }

    public String reason() {
        return status.getReason();
    }

    /** True when a creator should simply try again later (what a ReplicaSet does with any error). */
    public boolean retryable() {
        return code() == 429 || code() == 409 || code() >= 500;
    }

    /** As kubectl prints it. */
    @Override
    public String toString() {
        return "Error from server (" + reason() + "): " + getMessage();
    }

    static ApiException of(int code, String reason, String message, String name) {
        return new ApiException(new StatusBuilder()
                .withApiVersion("v1")
                .withKind("Status")
                .withStatus("Failure")
                .withCode(code)
                .withReason(reason)
                .withMessage(message)
                .withNewDetails()
                .withKind("pods")
                .withName(name)
                .endDetails()
                .build());
    }

    static ApiException alreadyExists(String name) {
        return of(409, "AlreadyExists", "pods \"" + name + "\" already exists", name);
    }

    static ApiException notFound(String name) {
        return of(404, "NotFound", "pods \"" + name + "\" not found", name);
    }

    static ApiException conflict(String name) {
        return of(
                409,
                "Conflict",
                "Operation cannot be fulfilled on pods \"" + name
                        + "\": the object has been modified; please apply your changes to the latest version and try again",
                name);
    }

    static ApiException invalid(String name, String causes) {
        return of(422, "Invalid", "Pod \"" + name + "\" is invalid: " + causes, name);
    }

    static ApiException badRequest(String message) {
        return of(400, "BadRequest", message, null);
    }

    static ApiException internal(String message) {
        return of(500, "InternalError", "Internal error occurred: " + message, null);
    }
}
