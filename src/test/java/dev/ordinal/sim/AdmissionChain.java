package dev.ordinal.sim;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The API server's request path for Pods, in front of the fabric8 mock (which stores objects but runs no
 * admission). CREATE: decode and default, mutating webhooks in order (each reply's JSON Patch applied, webhooks
 * with {@code reinvocationPolicy: IfNeeded} re-invoked once when a later one changed the object), name generation
 * only if the name is still empty, validation, validating webhooks, then storage, where a taken name is
 * {@code AlreadyExists}. UPDATE carries {@code oldObject}; DELETE is graceful (deletionTimestamp first, removal by
 * the kubelet's final delete). {@code failurePolicy} and {@code timeoutSeconds} are honoured, denials read as the
 * API server words them, warnings are collected.
 *
 * <p>Writes that a real cluster makes through subresources that these webhooks do not see ({@code pods/status},
 * {@code pods/binding}) and the Ordinal controller's own writes go straight to the store, as they bypass Pod
 * admission in a real cluster too (the controller's gate removal is the exception: see docs/simulator.md).
 */
public final class AdmissionChain {

    /**
     * The mock deletes an object as soon as it has a deletionTimestamp and no finalizers, so a graceful deletion
     * parks the pod with this finalizer until the kubelet's final delete. Webhooks and watchers see it on
     * terminating pods; nothing else in a real cluster would.
     */
    public static final String GRACE_FINALIZER = "sim.ordinal.dev/graceful-deletion";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final KubernetesClient store;
    private final List<WebhookRegistration> webhooks;
    private final Clock clock;
    private final List<WebhookCall> calls = Collections.synchronizedList(new ArrayList<>());

    /** A chain calling {@code webhooks} (mutating ones in list order, then validating ones) in front of {@code store}. */
    public AdmissionChain(KubernetesClient store, List<WebhookRegistration> webhooks) {
        this(store, webhooks, Clock.systemUTC());
    }

    public AdmissionChain(KubernetesClient store, List<WebhookRegistration> webhooks, Clock clock) {
        this.store = store;
        this.webhooks = List.copyOf(webhooks);
        this.clock = clock;
    }

    /** The object as stored (or as it would be, for dryRun) and the warnings the webhooks returned. */
    public record Admitted(Pod pod, List<String> warnings) {
        public Admitted {
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * One webhook call, for assertions and the demo: {@code outcome} is {@code allowed}, {@code patched},
     * {@code denied <code>}, {@code ignored: ...} or {@code error: ...}.
     */
    public record WebhookCall(
            Instant at,
            String webhook,
            String instance,
            String operation,
            String object,
            boolean reinvocation,
            boolean dryRun,
            String outcome,
            long micros) {}

    /** Every webhook call so far, oldest first. */
    public List<WebhookCall> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    private record Attributes(
            String operation, String namespace, String name, Requester requester, boolean dryRun, ObjectNode options) {}

    // ---------------------------------------------------------------------------------------------- CREATE

    /** {@code POST /api/v1/namespaces/{namespace}/pods}. Throws {@link ApiException} as the API server would fail. */
    public Admitted create(String namespace, Pod pod, Requester requester, boolean dryRun) {
        ObjectNode obj = MAPPER.valueToTree(pod);
        ObjectNode meta = metadata(obj);
        String objectNamespace = meta.path("namespace").asText("");
        if (!objectNamespace.isEmpty() && !objectNamespace.equals(namespace)) {
            throw ApiException.badRequest(
                    "the namespace of the provided object does not match the namespace sent on" + " the request");
        }
        meta.put("namespace", namespace);
        // System fields are the server's to set (rest.FillObjectMetaSystemFields).
        meta.remove(List.of(
                "uid",
                "resourceVersion",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "generation",
                "managedFields"));
        String requestName = meta.path("name").asText("");
        if (requestName.isEmpty() && meta.path("generateName").asText("").isEmpty()) {
            throw ApiException.invalid("", "metadata.name: Required value: name or generateName is required");
        }
        PodStrategy.applyDefaults(obj);
        ObjectNode options = options("CreateOptions", dryRun);
        Attributes attrs = new Attributes("CREATE", namespace, requestName, requester, dryRun, options);
        List<String> warnings = new ArrayList<>();

        obj = mutate(attrs, obj, null, warnings);

        meta = metadata(obj);
        String name = meta.path("name").asText("");
        if (name.isEmpty()) {
            name = PodStrategy.generateName(meta.path("generateName").asText(""));
            meta.put("name", name);
        }
        meta.put("namespace", namespace);
        // rest.FillObjectMetaSystemFields: validating webhooks see a uid and a creation time. The mock assigns its
        // own uid when it stores the pod, so the stored uid differs from the one validation saw.
        meta.put("uid", UUID.randomUUID().toString());
        meta.put("creationTimestamp", timestamp(clock.instant()));
        PodStrategy.prepareForCreate(obj);
        List<String> causes = PodStrategy.validateCreate(obj);
        if (!causes.isEmpty()) {
            throw ApiException.invalid(name, causes.size() == 1 ? causes.get(0) : causes.toString());
        }
        validate(attrs, obj, null, warnings);
        if (dryRun) {
            if (store.pods().inNamespace(namespace).withName(name).get() != null) {
                throw ApiException.alreadyExists(name);
            }
            return new Admitted(toPod(obj), warnings);
        }
        try {
            return new Admitted(
                    store.pods().inNamespace(namespace).resource(toPod(obj)).create(), warnings);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw ApiException.alreadyExists(name);
            }
            throw fromStore(e);
        }
    }

    // ---------------------------------------------------------------------------------------------- UPDATE

    /**
     * {@code PUT /api/v1/namespaces/{namespace}/pods/{name}}: replaces the pod with {@code pod}, which must carry
     * the resourceVersion it was read at (or none, for an unconditional update). Status changes are ignored, as
     * for any resource with a status subresource.
     */
    public Admitted update(String namespace, Pod pod, Requester requester, boolean dryRun) {
        ObjectNode obj = MAPPER.valueToTree(pod);
        String name = obj.path("metadata").path("name").asText("");
        Pod current = store.pods().inNamespace(namespace).withName(name).get();
        if (current == null) {
            throw ApiException.notFound(name);
        }
        ObjectNode old = MAPPER.valueToTree(current);
        String rv = obj.path("metadata").path("resourceVersion").asText("");
        if (!rv.isEmpty()
                && !rv.equals(old.path("metadata").path("resourceVersion").asText())) {
            throw ApiException.conflict(name);
        }
        // PrepareForUpdate: status and system metadata come from the stored object.
        obj.put("apiVersion", "v1").put("kind", "Pod");
        obj.set("status", old.get("status"));
        ObjectNode meta = metadata(obj);
        for (String field : List.of(
                "namespace",
                "uid",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "resourceVersion",
                "generation")) {
            JsonNode value = old.path("metadata").get(field);
            if (value == null) {
                meta.remove(field);
            } else {
                meta.set(field, value);
            }
        }
        Attributes attrs =
                new Attributes("UPDATE", namespace, name, requester, dryRun, options("UpdateOptions", dryRun));
        List<String> warnings = new ArrayList<>();
        obj = mutate(attrs, obj, old, warnings);
        List<String> causes = PodStrategy.validateUpdate(old, obj);
        if (!causes.isEmpty()) {
            throw ApiException.invalid(name, causes.size() == 1 ? causes.get(0) : causes.toString());
        }
        validate(attrs, obj, old, warnings);
        if (dryRun) {
            return new Admitted(toPod(obj), warnings);
        }
        try {
            Pod stored =
                    store.pods().inNamespace(namespace).resource(toPod(obj)).update();
            return new Admitted(stored == null ? toPod(obj) : stored, warnings);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw ApiException.conflict(name);
            }
            if (e.getCode() == 404) {
                throw ApiException.notFound(name);
            }
            throw fromStore(e);
        }
    }

    // ---------------------------------------------------------------------------------------------- DELETE

    /**
     * {@code DELETE /api/v1/namespaces/{namespace}/pods/{name}} with {@code gracePeriodSeconds} (null: the pod's
     * {@code terminationGracePeriodSeconds}) and an optional uid precondition (the kubelet's final delete carries
     * one, so it can never remove a re-created pod of the same name). As the Pod strategy does, a pod that is not
     * bound to a node or has finished is deleted at once; otherwise it gets a deletionTimestamp and stays until the
     * kubelet deletes it with grace 0. Returns the pod as left in the store, or as it was when removed.
     */
    public Pod delete(
            String namespace,
            String name,
            Long gracePeriodSeconds,
            String uidPrecondition,
            Requester requester,
            boolean dryRun) {
        ApiException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                return deleteOnce(namespace, name, gracePeriodSeconds, uidPrecondition, requester, dryRun);
            } catch (ApiException e) {
                if (!"Conflict".equals(e.reason()) || e.getMessage().startsWith("Precondition failed")) {
                    throw e;
                }
                last = e; // a concurrent write (the kubelet's status update, say): read again, as GuaranteedUpdate does
            }
        }
        throw last;
    }

    private Pod deleteOnce(
            String namespace,
            String name,
            Long gracePeriodSeconds,
            String uidPrecondition,
            Requester requester,
            boolean dryRun) {
        Pod current = store.pods().inNamespace(namespace).withName(name).get();
        if (current == null) {
            throw ApiException.notFound(name);
        }
        if (uidPrecondition != null
                && !uidPrecondition.equals(current.getMetadata().getUid())) {
            throw ApiException.of(
                    409,
                    "Conflict",
                    "Precondition failed: UID in precondition: " + uidPrecondition + ", UID in object meta: "
                            + current.getMetadata().getUid(),
                    name);
        }
        ObjectNode old = MAPPER.valueToTree(current);
        ObjectNode options = options("DeleteOptions", dryRun);
        if (gracePeriodSeconds != null) {
            options.put("gracePeriodSeconds", gracePeriodSeconds);
        }
        options.put("propagationPolicy", "Background");
        Attributes attrs = new Attributes("DELETE", namespace, name, requester, dryRun, options);
        List<String> warnings = new ArrayList<>();
        mutate(attrs, null, old, warnings);
        validate(attrs, null, old, warnings);

        long grace = gracePeriodSeconds != null
                ? gracePeriodSeconds
                : current.getSpec().getTerminationGracePeriodSeconds() == null
                        ? 30
                        : current.getSpec().getTerminationGracePeriodSeconds();
        String phase = current.getStatus() == null ? null : current.getStatus().getPhase();
        String nodeName = current.getSpec() == null ? null : current.getSpec().getNodeName();
        // registry/core/pod/strategy.go CheckGracefulDelete: nothing runs an unbound or finished pod, so no grace.
        if (nodeName == null || nodeName.isEmpty() || "Succeeded".equals(phase) || "Failed".equals(phase)) {
            grace = 0;
        }
        if (dryRun) {
            return current;
        }
        List<String> finalizers = new ArrayList<>(current.getMetadata().getFinalizers());
        boolean terminating = current.getMetadata().getDeletionTimestamp() != null;
        if (grace > 0) {
            if (terminating) {
                return current; // already counting down; the sim does not shorten a running grace period
            }
            current.getMetadata().setDeletionTimestamp(timestamp(clock.instant().plusSeconds(grace)));
            current.getMetadata().setDeletionGracePeriodSeconds(grace);
            if (!finalizers.contains(GRACE_FINALIZER)) {
                finalizers.add(GRACE_FINALIZER);
            }
            current.getMetadata().setFinalizers(finalizers);
            return put(namespace, current);
        }
        finalizers.remove(GRACE_FINALIZER);
        if (!finalizers.isEmpty() || current.getMetadata().getFinalizers().contains(GRACE_FINALIZER)) {
            // Either other finalizers hold the object (it stays, terminating) or only ours does (removing it
            // with a deletionTimestamp set makes the mock delete the object).
            if (!terminating) {
                current.getMetadata().setDeletionTimestamp(timestamp(clock.instant()));
            }
            current.getMetadata().setDeletionGracePeriodSeconds(0L);
            current.getMetadata().setFinalizers(finalizers);
            Pod left = put(namespace, current);
            return left;
        }
        try {
            store.pods()
                    .inNamespace(namespace)
                    .withName(name)
                    .withGracePeriod(0)
                    .delete();
        } catch (KubernetesClientException e) {
            throw e.getCode() == 404 ? ApiException.notFound(name) : fromStore(e);
        }
        return current;
    }

    private Pod put(String namespace, Pod pod) {
        try {
            Pod stored = store.pods().inNamespace(namespace).resource(pod).update();
            return stored == null ? pod : stored;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw ApiException.conflict(pod.getMetadata().getName());
            }
            if (e.getCode() == 404) {
                throw ApiException.notFound(pod.getMetadata().getName());
            }
            throw fromStore(e);
        }
    }

    // ---------------------------------------------------------------------------------------------- webhooks

    /**
     * The mutating phase: every matching mutating webhook in order, then a second pass over the webhooks with
     * {@code reinvocationPolicy: IfNeeded} that ran before a later webhook changed the object (as the API server's
     * webhookReinvokeContext decides). {@code object} is null for DELETE.
     */
    private ObjectNode mutate(Attributes attrs, ObjectNode object, ObjectNode old, List<String> warnings) {
        Set<String> previouslyInvoked = new LinkedHashSet<>();
        Set<String> reinvoke = new LinkedHashSet<>();
        ObjectNode current = object;
        for (WebhookRegistration hook : webhooks) {
            if (!hook.mutating() || !applies(hook, attrs, current, old)) {
                continue;
            }
            ObjectNode next = invoke(hook, attrs, current, old, false, warnings);
            if (next != null && !next.equals(current)) {
                reinvoke.addAll(previouslyInvoked);
                current = next;
            }
            if (hook.reinvokeIfNeeded()) {
                previouslyInvoked.add(hook.name());
            }
        }
        if (reinvoke.isEmpty() || current == null) {
            return current;
        }
        for (WebhookRegistration hook : webhooks) {
            if (hook.mutating() && reinvoke.contains(hook.name()) && applies(hook, attrs, current, old)) {
                current = invoke(hook, attrs, current, old, true, warnings);
            }
        }
        return current;
    }

    private void validate(Attributes attrs, ObjectNode object, ObjectNode old, List<String> warnings) {
        for (WebhookRegistration hook : webhooks) {
            if (!hook.mutating() && applies(hook, attrs, object, old)) {
                invoke(hook, attrs, object, old, false, warnings);
            }
        }
    }

    private static boolean applies(WebhookRegistration hook, Attributes attrs, ObjectNode object, ObjectNode old) {
        if (!hook.operations().contains(attrs.operation())
                || !hook.namespaceSelector().test(attrs.namespace())
                || !hook.matchConditions()
                        .test(attrs.operation(), attrs.requester().username())) {
            return false;
        }
        // objectSelector: on UPDATE a match of either the old or the new object counts; DELETE has only the old.
        return (object != null && hook.objectSelector().test(labels(object)))
                || (old != null && hook.objectSelector().test(labels(old)));
    }

    /** Calls {@code hook}; returns the object with its patch applied (mutating) or unchanged. */
    private ObjectNode invoke(
            WebhookRegistration hook,
            Attributes attrs,
            ObjectNode object,
            ObjectNode old,
            boolean reinvocation,
            List<String> warnings) {
        String uid = UUID.randomUUID().toString();
        ObjectNode review = review(uid, attrs, object, old);
        long started = System.nanoTime();
        String describe = describe(attrs, object);
        JsonNode answer;
        try {
            answer = hook.backend().call(hook.path(), review, hook.timeout());
            JsonNode response = answer.path("response");
            if (!uid.equals(response.path("uid").asText(null))) {
                throw new WebhookBackend.CallFailed("expected response.uid=\"" + uid + "\", got \""
                        + response.path("uid").asText("") + "\"");
            }
            if (hook.mutating()
                    && response.hasNonNull("patch")
                    && !"JSONPatch".equals(response.path("patchType").asText(null))) {
                throw new WebhookBackend.CallFailed(
                        "unsupported patch type \"" + response.path("patchType").asText("") + "\"");
            }
        } catch (WebhookBackend.CallFailed e) {
            String instance = hook.backend().lastInstance();
            if (!hook.failClosed()) {
                record(hook, instance, attrs, describe, reinvocation, "ignored: " + e.getMessage(), started);
                return object;
            }
            record(hook, instance, attrs, describe, reinvocation, "error: " + e.getMessage(), started);
            throw ApiException.internal("failed calling webhook \"" + hook.name() + "\": " + e.getMessage());
        }
        String instance = hook.backend().lastInstance();
        JsonNode response = answer.path("response");
        for (JsonNode w : response.path("warnings")) {
            warnings.add(w.asText());
        }
        if (!response.path("allowed").asBoolean(false)) {
            ApiException denied = denied(hook.name(), response.path("status"));
            record(hook, instance, attrs, describe, reinvocation, "denied " + denied.code(), started);
            throw denied;
        }
        if (!hook.mutating() || object == null || !response.hasNonNull("patch")) {
            record(hook, instance, attrs, describe, reinvocation, "allowed", started);
            return object;
        }
        try {
            JsonNode patch = MAPPER.readTree(
                    Base64.getDecoder().decode(response.path("patch").asText()));
            ObjectNode patched = (ObjectNode) JsonPatch.apply(patch, object);
            record(hook, instance, attrs, describe, reinvocation, "patched", started);
            return patched;
        } catch (IOException | RuntimeException e) {
            record(hook, instance, attrs, describe, reinvocation, "error: bad patch " + e.getMessage(), started);
            throw ApiException.internal(
                    "JSON Patch from webhook \"" + hook.name() + "\" cannot be applied: " + e.getMessage());
        }
    }

    private ObjectNode review(String uid, Attributes attrs, ObjectNode object, ObjectNode old) {
        ObjectNode review = MAPPER.createObjectNode()
                .put("apiVersion", "admission.k8s.io/v1")
                .put("kind", "AdmissionReview");
        ObjectNode request = review.putObject("request");
        request.put("uid", uid);
        ObjectNode kind =
                MAPPER.createObjectNode().put("group", "").put("version", "v1").put("kind", "Pod");
        ObjectNode resource =
                MAPPER.createObjectNode().put("group", "").put("version", "v1").put("resource", "pods");
        request.set("kind", kind);
        request.set("resource", resource);
        request.set("requestKind", kind.deepCopy());
        request.set("requestResource", resource.deepCopy());
        request.put("name", attrs.name());
        request.put("namespace", attrs.namespace());
        request.put("operation", attrs.operation());
        ObjectNode user = request.putObject("userInfo");
        user.put("username", attrs.requester().username());
        ArrayNode groups = user.putArray("groups");
        attrs.requester().groups().forEach(groups::add);
        // Copies: the review is a snapshot, as it is once serialized; the chain goes on changing its object.
        request.set("object", object == null ? NullNode.getInstance() : object.deepCopy());
        request.set("oldObject", old == null ? NullNode.getInstance() : old.deepCopy());
        request.put("dryRun", attrs.dryRun());
        request.set("options", attrs.options());
        return review;
    }

    private static ObjectNode options(String kind, boolean dryRun) {
        ObjectNode options =
                MAPPER.createObjectNode().put("apiVersion", "meta.k8s.io/v1").put("kind", kind);
        if (dryRun) {
            options.putArray("dryRun").add("All");
        }
        return options;
    }

    /** webhookerrors.ToStatusErr: the webhook's Status with its message prefixed, and a code of at least 400. */
    private static ApiException denied(String webhook, JsonNode status) {
        int code = status.path("code").asInt(0);
        if (code < 400) {
            code = 400;
        }
        String deniedBy = "admission webhook \"" + webhook + "\" denied the request";
        String message = status.path("message").asText("");
        String reason = status.path("reason").asText("");
        String text = !message.isEmpty()
                ? deniedBy + ": " + message
                : !reason.isEmpty() ? deniedBy + ": " + reason : deniedBy + " without explanation";
        return ApiException.of(code, reason, text, null);
    }

    private void record(
            WebhookRegistration hook,
            String instance,
            Attributes attrs,
            String describe,
            boolean reinvocation,
            String outcome,
            long startedNanos) {
        calls.add(new WebhookCall(
                clock.instant(),
                hook.name(),
                instance,
                attrs.operation(),
                describe,
                reinvocation,
                attrs.dryRun(),
                outcome,
                (System.nanoTime() - startedNanos) / 1000));
    }

    private static String describe(Attributes attrs, ObjectNode object) {
        if (!attrs.name().isEmpty()) {
            return attrs.namespace() + "/" + attrs.name();
        }
        String generate = object == null
                ? ""
                : object.path("metadata").path("generateName").asText("");
        return attrs.namespace() + "/" + generate + "*";
    }

    private static ObjectNode metadata(ObjectNode object) {
        JsonNode meta = object.get("metadata");
        return meta instanceof ObjectNode o ? o : object.putObject("metadata");
    }

    private static Map<String, String> labels(JsonNode object) {
        JsonNode labels = object.path("metadata").path("labels");
        return labels.isObject() ? MAPPER.convertValue(labels, new TypeReference<Map<String, String>>() {}) : Map.of();
    }

    private static Pod toPod(ObjectNode node) {
        try {
            return MAPPER.treeToValue(node, Pod.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ApiException fromStore(KubernetesClientException e) {
        if (e.getStatus() != null
                && e.getStatus().getCode() != null
                && e.getStatus().getCode() > 0) {
            return new ApiException(e.getStatus());
        }
        return ApiException.internal(e.getMessage());
    }

    /** An RFC 3339 timestamp with second precision, as metav1.Time serializes. */
    public static String timestamp(Instant at) {
        return at.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Waits a little; used by loops between attempts. */
    public static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
