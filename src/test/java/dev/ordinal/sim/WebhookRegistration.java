package dev.ordinal.sim;

import dev.ordinal.identity.OrdinalKeys;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * One entry of a Mutating- or ValidatingWebhookConfiguration, as the chain needs it: which requests it sees
 * (operations, objectSelector, namespaceSelector), where they go, how long the API server waits, and what a
 * failure means. {@link #ordinalMutating} and {@link #ordinalValidating} mirror {@code deploy/base}.
 *
 * @param objectSelector tested against the object's labels (on UPDATE: old or new; on DELETE: the old object)
 * @param namespaceSelector tested against the request namespace's name
 * @param reinvokeIfNeeded {@code reinvocationPolicy: IfNeeded} (mutating only)
 * @param matchConditions {@code matchConditions}, on the operation and the requesting user: false skips the call
 */
public record WebhookRegistration(
        String name,
        boolean mutating,
        String path,
        Set<String> operations,
        WebhookBackend backend,
        Duration timeout,
        boolean failClosed,
        boolean reinvokeIfNeeded,
        Predicate<Map<String, String>> objectSelector,
        Predicate<String> namespaceSelector,
        BiPredicate<String, String> matchConditions) {

    /** The API server's default and Ordinal's setting: {@code timeoutSeconds: 5}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /** Ordinal's own namespace and kube-system are excluded by {@code namespaceSelector} in deploy/base. */
    public static final Predicate<String> NOT_SYSTEM_NAMESPACES =
            ns -> !Set.of("kube-system", "ordinal-system").contains(ns);

    /** The user deploy/base runs the controller as (its ServiceAccount), named in the validating webhook's matchConditions. */
    public static final String CONTROLLER_USER = "system:serviceaccount:ordinal-system:ordinal";

    /** No matchConditions: every request the rules and selectors let through is sent. */
    public static final BiPredicate<String, String> EVERY_REQUEST = (operation, user) -> true;

    private static final Predicate<Map<String, String>> HAS_SET_LABEL =
            labels -> labels.containsKey(OrdinalKeys.SET_LABEL);

    /** {@code mutate.pods.ordinal.dev}: CREATE, Fail, 5 s, IfNeeded, objectSelector {@code ordinal.dev/set} Exists. */
    public static WebhookRegistration ordinalMutating(WebhookBackend backend) {
        return new WebhookRegistration(
                "mutate.pods.ordinal.dev",
                true,
                "/mutate-pods",
                Set.of("CREATE"),
                backend,
                DEFAULT_TIMEOUT,
                true,
                true,
                HAS_SET_LABEL,
                NOT_SYSTEM_NAMESPACES,
                EVERY_REQUEST);
    }

    /**
     * {@code validate.pods.ordinal.dev}: CREATE and UPDATE, Fail, 5 s, objectSelector {@code ordinal.dev/set} Exists,
     * and not the controller's own UPDATEs ({@link #CONTROLLER_USER}, matchConditions).
     */
    public static WebhookRegistration ordinalValidating(WebhookBackend backend) {
        return new WebhookRegistration(
                "validate.pods.ordinal.dev",
                false,
                "/validate-pods",
                Set.of("CREATE", "UPDATE"),
                backend,
                DEFAULT_TIMEOUT,
                true,
                false,
                HAS_SET_LABEL,
                NOT_SYSTEM_NAMESPACES,
                (operation, user) -> !("UPDATE".equals(operation) && CONTROLLER_USER.equals(user)));
    }

    /** Another vendor's mutating webhook on CREATE of every pod, failing closed. */
    public static WebhookRegistration otherMutating(String name, WebhookBackend backend, boolean reinvokeIfNeeded) {
        return new WebhookRegistration(
                name,
                true,
                "/mutate",
                Set.of("CREATE"),
                backend,
                DEFAULT_TIMEOUT,
                true,
                reinvokeIfNeeded,
                labels -> true,
                ns -> true,
                EVERY_REQUEST);
    }

    /** This registration with {@code timeoutSeconds} replaced (tests shorten it to stay fast). */
    public WebhookRegistration withTimeout(Duration newTimeout) {
        return new WebhookRegistration(
                name,
                mutating,
                path,
                operations,
                backend,
                newTimeout,
                failClosed,
                reinvokeIfNeeded,
                objectSelector,
                namespaceSelector,
                matchConditions);
    }

    /** This registration with {@code failurePolicy: Ignore} ({@code false}) or {@code Fail} ({@code true}). */
    public WebhookRegistration withFailClosed(boolean fail) {
        return new WebhookRegistration(
                name,
                mutating,
                path,
                operations,
                backend,
                timeout,
                fail,
                reinvokeIfNeeded,
                objectSelector,
                namespaceSelector,
                matchConditions);
    }
}
