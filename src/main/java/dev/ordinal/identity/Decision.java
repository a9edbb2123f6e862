package dev.ordinal.identity;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/** The outcome of a rule: a value, mapped to an AdmissionReview response in exactly one place (admission). */
public sealed interface Decision {

    /** Warnings kubectl prints; empty when none. */
    List<String> warnings();

    /** Admit. {@code mutated} is the pod as Ordinal wants it, or null when the rule changes nothing. */
    record Allow(Pod mutated, List<String> warnings) implements Decision {
        public Allow {
            warnings = List.copyOf(warnings);
        }

        public static Allow unchanged() {
            return new Allow(null, List.of());
        }
    }

    /** Reject with an HTTP-style {@code code}, a Kubernetes {@code reason} and a complete, specific message. */
    record Deny(int code, String reason, String message, List<String> warnings) implements Decision {
        public Deny {
            warnings = List.copyOf(warnings);
        }

        /** A policy violation: the request will never be admitted as it is. */
        public static Deny forbidden(String message) {
            return new Deny(403, "Forbidden", message, List.of());
        }

        /** A request that cannot be decoded or is not what this endpoint reviews. */
        public static Deny badRequest(String message) {
            return new Deny(400, "BadRequest", message, List.of());
        }

        /** The name is taken by a live pod: what the API server itself would answer. */
        public static Deny alreadyExists(String message) {
            return new Deny(409, "AlreadyExists", message, List.of());
        }

        /** Not now, but the same request will be admitted later: the creator should retry. */
        public static Deny retryLater(String message) {
            return new Deny(429, "TooManyRequests", message, List.of());
        }
    }
}
