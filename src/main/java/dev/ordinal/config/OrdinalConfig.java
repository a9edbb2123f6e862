package dev.ordinal.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Runtime configuration of Ordinal, under the prefix {@code ordinal}. Environment: {@code ORDINAL_...}. */
@ConfigMapping(prefix = "ordinal")
public interface OrdinalConfig {

    /**
     * Users (as in AdmissionReview {@code userInfo.username}) allowed to remove Ordinal's scheduling gates. The
     * controller's own ServiceAccount by default.
     */
    @WithDefault("system:serviceaccount:ordinal-system:ordinal")
    List<String> controllerUsers();

    /** Admission settings. */
    Admission admission();

    /** Controller settings. */
    Controller controller();

    /** Serving certificate settings. */
    Tls tls();

    /** Informer cache settings. */
    Cache cache();

    /** The informer caches of member pods, PVCs and Services. */
    interface Cache {
        /**
         * Objects per request when a cache lists its kind from the API server (at start, and again after a watch
         * expired). The informer stores each page before it asks for the next, so only one page of whole objects is
         * in memory at a time instead of every pod of the cluster at once. {@code 0} lists everything in one
         * response from the API server's watch cache ({@code resourceVersion=0}, fabric8's default). 500 is
         * client-go's page size.
         */
        @WithDefault("500")
        int listPageSize();
    }

    /** The webhook's serving certificate: the PEM files named by {@code quarkus.tls.webhook.key-store.pem.0.*}. */
    interface Tls {
        /**
         * How often the certificate and key files are checked for a change (a Secret update, a cert-manager
         * renewal). A changed, matching pair is served from the next handshake on; an unchanged one is left alone.
         */
        @WithDefault("30s")
        Duration reloadPeriod();
    }

    /** Admission (webhook) settings. */
    interface Admission {
        /**
         * How long an ordinal handed out by this replica stays reserved while the API server stores the pod. The
         * reservation ends early when the cache sees the pod. Too short only costs an {@code AlreadyExists} retry.
         */
        @WithDefault("15s")
        Duration reservationTtl();

        /**
         * Largest AdmissionReview body reviewed, in bytes. The API server caps objects at 3 MiB and a review of an
         * UPDATE carries two, so the default leaves room. Larger bodies are denied with code 413 (HTTP 200), or
         * answered HTTP 400 when no uid can be read.
         */
        @WithDefault("7340032")
        int maxReviewBytes();

        /**
         * Longest time from a request's headers to its response. A request still unanswered then is cut off (HTTP/1.x:
         * the connection is closed; HTTP/2: the stream is reset), so a client trickling its body cannot hold a
         * connection; {@code quarkus.http.idle-timeout} only catches a client that sends nothing at all. The API server
         * gives up on a webhook after its {@code timeoutSeconds} (5 s in deploy/, 10 s when unset), so keep this at
         * least as long.
         */
        @WithDefault("10s")
        Duration requestDeadline();

        /**
         * Before a controller's {@code generateName} pod takes an ordinal above every live member, compare the cache
         * with one live list of the set's pods, and answer 429 (retry) when a member the cache shows live was just
         * deleted: otherwise a replacement that outruns the deletion's watch event takes a new ordinal and the old
         * one never comes back ({@code identity.CacheLag}). Off only for test API servers that call the webhook
         * inside their own request handling and so cannot answer a nested request (the simulator).
         */
        @WithDefault("true")
        boolean liveCheck();

        /**
         * Serve {@code POST /noop-review} (allowed: true, nothing else). Only for benchmarking the HTTP and JSON
         * cost without any Ordinal rule; off in production.
         */
        @WithDefault("false")
        boolean noopEndpoint();

        /**
         * How long the pod or PVC watch may stay disconnected from the API server before this replica stops
         * admitting pods of ordinal sets. Past it, a CREATE of a member pod is denied with a retryable 429 that says
         * how stale the cache is, and readiness turns DOWN, until the watch reconnects. A cache that stale cannot see
         * pods other replicas admitted or readiness changes, so ordinals, holders and the start order could be wrong
         * (names stay unique: the API server stores one pod per name). UPDATE rules need no cache and keep working.
         * {@code 0} disables the rule: the cache is trusted however old it is.
         */
        @WithDefault("60s")
        Duration maxCacheStaleness();
    }

    /** Controller settings. */
    interface Controller {
        /** Run the controller at all (admission always runs). */
        @WithDefault("true")
        boolean enabled();

        /** Name of the coordination.k8s.io Lease used for leader election. */
        @WithDefault("ordinal-controller")
        String leaseName();

        /** Namespace of the Lease; defaults to the pod's namespace ({@code POD_NAMESPACE}) or ordinal-system. */
        @WithDefault("${POD_NAMESPACE:ordinal-system}")
        String leaseNamespace();

        /** This replica's identity in the Lease; defaults to the pod name. */
        Optional<String> identity();

        /** Lease duration: how long a lost leader keeps the lease before another replica may take it. */
        @WithDefault("15s")
        Duration leaseDuration();

        /** How long the leader keeps trying to renew before it gives up leadership. */
        @WithDefault("10s")
        Duration renewDeadline();

        /** How often candidates retry acquiring and the leader renews. */
        @WithDefault("2s")
        Duration retryPeriod();

        /** Period of the full resync that re-checks every set even without events. */
        @WithDefault("30s")
        Duration resyncPeriod();

        /**
         * Pods whose claim work runs at once (create the PVCs, lift {@code ordinal.dev/claims}):
         * how many claim creations and gate lifts the controller has in flight at the API server. 32 rather than 8:
         * a 100-pod Parallel rollout on the real control plane took 1.00× and 1.08× StatefulSet's time with 32, 1.03×
         * to 1.14× with 8 (docs/benchmarks-notes.md, sixth pass).
         */
        @WithDefault("32")
        int claimConcurrency();
    }
}
