package dev.ordinal.plan;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A write of the controller that the API server refused or could not answer: what was written, on which object,
 * the HTTP code (0 when no HTTP answer came: connection refused, timeout) and the API server's own message.
 *
 * @param write what the controller tried
 * @param object the object written ({@code web-1}, {@code data-web-1}, Service {@code web})
 * @param pod the pod the failure is about (the Event goes there), or null when none (a Service of the set)
 * @param detail the gate for {@link Write#REMOVE_GATE}, else null
 * @param status the API server's {@code Status.reason} ({@code Forbidden}, {@code Invalid}, …) or null
 * @param message the API server's message (for a webhook denial it quotes the webhook), or the I/O error
 */
public record WriteFailure(
        Write write, String object, String pod, String detail, int code, String status, String message) {

    /** The controller's writes. */
    public enum Write {
        REMOVE_GATE("remove-gate"),
        CREATE_CLAIM("create-claim"),
        CREATE_SERVICE("create-service"),
        DELETE_POD("delete-pod"),
        PATCH_CLAIM("patch-claim"),
        DELETE_CLAIM("delete-claim");

        private final String tag;

        Write(String tag) {
            this.tag = tag;
        }

        /** The metric tag value. */
        public String tag() {
            return tag;
        }
    }

    /** HTTP 409: a resourceVersion (or uid precondition) conflict, the only failure worth a quick retry. */
    public static final int CONFLICT = 409;
    /** HTTP 403. */
    public static final int FORBIDDEN = 403;

    /** Ordinal's own validating webhook: {@code … not by "user"; …} (UpdateRules). */
    private static final Pattern WEBHOOK_USER = Pattern.compile("not by \"([^\"]+)\"");
    /** The RBAC authorizer: {@code pods "web-1" is forbidden: User "user" cannot patch resource …}. */
    private static final Pattern RBAC_USER = Pattern.compile("User \"([^\"]+)\" cannot");

    /** True for a 409 conflict: the object changed meanwhile; re-reading the cache and trying again fixes it. */
    public boolean conflict() {
        return code == CONFLICT;
    }

    /** True when RBAC refused it (the message is the authorizer's, not a webhook's). */
    public boolean rbac() {
        return code == FORBIDDEN
                && message != null
                && RBAC_USER.matcher(message).find();
    }

    /** The code as a metric tag: the HTTP code, or {@code none} when no HTTP answer came. */
    public String codeTag() {
        return code <= 0 ? "none" : Integer.toString(code);
    }

    /**
     * The user the API server authenticated the request as, when its 403 message names it: Ordinal's validating
     * webhook quotes the requesting user ({@code not by "…"}) and the RBAC authorizer names it ({@code User "…"
     * cannot}). Empty for any other message (another webhook's denial, say).
     */
    public static Optional<String> requesterNamedIn(String message) {
        if (message == null) {
            return Optional.empty();
        }
        for (Pattern p : new Pattern[] {WEBHOOK_USER, RBAC_USER}) {
            Matcher m = p.matcher(message);
            if (m.find()) {
                return Optional.of(m.group(1));
            }
        }
        return Optional.empty();
    }

    /** What was tried, as a phrase: {@code removing scheduling gate ordinal.dev/ordered from pod web-1}. */
    public String action() {
        return switch (write) {
            case REMOVE_GATE -> "removing scheduling gate " + detail + " from pod " + object;
            case CREATE_CLAIM -> "creating PersistentVolumeClaim " + object + (pod == null ? "" : " for pod " + pod);
            case CREATE_SERVICE -> "creating headless Service " + object;
            case DELETE_POD -> "deleting pod " + object;
            case PATCH_CLAIM -> "patching PersistentVolumeClaim " + object + " (" + detail + ")";
            case DELETE_CLAIM -> "deleting PersistentVolumeClaim " + object;
        };
    }

    /** {@code HTTP 403 Forbidden}, or {@code no HTTP answer} when none came. */
    public String cause() {
        return code <= 0 ? "no HTTP answer" : "HTTP " + code + (status == null || status.isBlank() ? "" : " " + status);
    }
}
