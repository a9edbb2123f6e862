package dev.ordinal.admission;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.ordinal.config.OrdinalConfig;
import dev.ordinal.identity.Decision;
import dev.ordinal.identity.PodNames;
import io.fabric8.kubernetes.api.model.Pod;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * AdmissionReview decoding: raw bytes in, {@link ReviewRequest} or a reason out ({@link ReviewFinisher} writes the
 * answer). The uid is captured first so every answer after that can echo it.
 */
@ApplicationScoped
public class ReviewCodec {

    public static final String API_VERSION = "admission.k8s.io/v1";

    @Inject
    ObjectMapper mapper;

    @Inject
    OrdinalConfig config;

    /** Result of decoding a body. */
    public sealed interface Decoded {
        /** A reviewable Pod request. */
        record Ok(ReviewRequest request) implements Decoded {}

        /** An AdmissionReview with a uid that Ordinal cannot review: answered HTTP 200, allowed false. */
        record Refused(String uid, String apiVersion, Decision.Deny deny) implements Decoded {}

        /** Not an AdmissionReview at all (or no uid to echo): answered HTTP 400. */
        record NotAReview(String message) implements Decoded {}
    }

    /** Decodes {@code body}; never throws. */
    public Decoded decode(byte[] body, String contentType) {
        if (contentType == null || !contentType.toLowerCase().startsWith("application/json")) {
            return new Decoded.NotAReview("Content-Type must be application/json, got "
                    + (contentType == null ? "none" : "\"" + truncate(contentType) + "\""));
        }
        if (body == null || body.length == 0) {
            return new Decoded.NotAReview("request body is empty; expected an admission.k8s.io/v1 AdmissionReview");
        }
        int cap = config.admission().maxReviewBytes();
        if (body.length > cap) {
            String uid = reviewUidOf(body);
            String message = "AdmissionReview of " + body.length + " bytes is over Ordinal's limit of " + cap
                    + " bytes (ordinal.admission.max-review-bytes)";
            return uid == null
                    ? new Decoded.NotAReview(message)
                    : new Decoded.Refused(
                            uid, API_VERSION, new Decision.Deny(413, "RequestEntityTooLarge", message, List.of()));
        }
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (IOException | RuntimeException e) {
            return new Decoded.NotAReview("request body is not valid JSON: " + parseProblem(e));
        }
        if (root == null || !root.isObject()) {
            return new Decoded.NotAReview("request body is not a JSON object; expected an AdmissionReview");
        }
        if (!"AdmissionReview".equals(root.path("kind").asText(null))) {
            return new Decoded.NotAReview("kind must be AdmissionReview, got " + describe(root.get("kind")));
        }
        JsonNode request = root.get("request");
        if (request == null || !request.isObject()) {
            return new Decoded.NotAReview("AdmissionReview.request is required and must be an object");
        }
        JsonNode uidNode = request.get("uid");
        if (uidNode == null || !uidNode.isTextual() || uidNode.asText().isBlank()) {
            return new Decoded.NotAReview("AdmissionReview.request.uid is required and must be a non-empty string");
        }
        String uid = uidNode.asText();
        JsonNode apiVersionNode = root.get("apiVersion");
        String apiVersion =
                apiVersionNode != null && apiVersionNode.isTextual() ? apiVersionNode.asText() : API_VERSION;
        if (!API_VERSION.equals(apiVersion)) {
            return refused(
                    uid,
                    apiVersion,
                    "apiVersion",
                    apiVersionNode,
                    "is not supported; allowed: " + API_VERSION + " (set admissionReviewVersions: [\"v1\"])");
        }
        JsonNode kind = request.get("kind");
        if (kind == null
                || !"".equals(kind.path("group").asText(null))
                || !"v1".equals(kind.path("version").asText(null))
                || !"Pod".equals(kind.path("kind").asText(null))) {
            return refused(
                    uid,
                    apiVersion,
                    "request.kind",
                    kind,
                    "is not reviewed by Ordinal; allowed: {\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"}"
                            + " (check the rules of Ordinal's webhook configurations)");
        }
        JsonNode operationNode = request.get("operation");
        Optional<Operation> parsedOperation = operationNode == null || !operationNode.isTextual()
                ? Optional.empty()
                : Operation.of(operationNode.asText());
        if (parsedOperation.isEmpty()) {
            return refused(
                    uid,
                    apiVersion,
                    "request.operation",
                    operationNode,
                    "is not allowed; allowed: CREATE, UPDATE, DELETE, CONNECT");
        }
        JsonNode namespaceNode = request.get("namespace");
        if (namespaceNode == null
                || !namespaceNode.isTextual()
                || namespaceNode.asText().isEmpty()) {
            return refused(uid, apiVersion, "request.namespace is required for a Pod, got " + describe(namespaceNode));
        }
        // The namespace keys Ordinal's per-set state and is logged, so only what the API server can send gets in.
        if (!PodNames.isDnsLabel(namespaceNode.asText())) {
            return refused(
                    uid,
                    apiVersion,
                    "request.namespace",
                    namespaceNode,
                    "is not a namespace name; allowed: a DNS-1123 label");
        }
        JsonNode dryRunNode = request.get("dryRun");
        if (dryRunNode != null && !dryRunNode.isBoolean() && !dryRunNode.isNull()) {
            return refused(uid, apiVersion, "request.dryRun must be a boolean, got " + describe(dryRunNode));
        }
        JsonNode usernameNode = request.path("userInfo").get("username");
        String username = usernameNode != null && usernameNode.isTextual() ? usernameNode.asText() : null;

        Operation operation = parsedOperation.get();
        JsonNode object = request.get("object");
        Pod pod = null;
        Pod oldPod = null;
        if (operation.carriesObject()) {
            PodOrProblem parsed = pod(object, "request.object", operation);
            if (parsed.problem() != null) {
                return refused(uid, apiVersion, parsed.problem());
            }
            pod = parsed.pod();
        }
        if (operation == Operation.UPDATE) {
            PodOrProblem parsed = pod(request.get("oldObject"), "request.oldObject", operation);
            if (parsed.problem() != null) {
                return refused(uid, apiVersion, parsed.problem());
            }
            oldPod = parsed.pod();
        }
        return new Decoded.Ok(new ReviewRequest(
                uid,
                apiVersion,
                operation,
                namespaceNode.asText(),
                username,
                dryRunNode != null && dryRunNode.asBoolean(),
                object,
                pod,
                oldPod));
    }

    private record PodOrProblem(Pod pod, String problem) {}

    private PodOrProblem pod(JsonNode node, String field, Operation operation) {
        if (node == null || node.isNull()) {
            return new PodOrProblem(null, field + " is required for " + operation);
        }
        if (!node.isObject()) {
            return new PodOrProblem(null, field + " must be a Pod object, got " + describe(node));
        }
        JsonNode kind = node.get("kind");
        if (kind != null && !"Pod".equals(kind.asText(null))) {
            return new PodOrProblem(null, field + ".kind " + describe(kind) + " is not allowed; allowed: Pod");
        }
        String nullAt = nullElement(node, field);
        if (nullAt != null) {
            return new PodOrProblem(
                    null,
                    truncate(nullAt) + " is null; allowed: an object or a value (the API server"
                            + " never sends null in a list)");
        }
        Pod pod;
        try {
            pod = mapper.treeToValue(node, Pod.class);
        } catch (JsonProcessingException | RuntimeException e) {
            return new PodOrProblem(null, field + " is not a valid v1 Pod: " + mappingProblem(field, e));
        }
        if (pod.getMetadata() == null) {
            return new PodOrProblem(null, field + ".metadata is required");
        }
        return new PodOrProblem(pod, null);
    }

    private static Decoded refused(String uid, String apiVersion, String message) {
        return new Decoded.Refused(uid, apiVersion, Decision.Deny.badRequest(message));
    }

    /** Refused for the value {@code node} of {@code field}: the field, the value as received, then {@code problem}. */
    private static Decoded refused(String uid, String apiVersion, String field, JsonNode node, String problem) {
        return refused(uid, apiVersion, field + " " + describe(node) + " " + problem);
    }

    /**
     * The request uid of an oversized body, read by streaming through all of it without building a tree. Null unless
     * the tree path would take the body as an AdmissionReview too: valid JSON, an object with {@code kind}
     * "AdmissionReview" and a {@code request} object with a non-blank string {@code uid} (the last of duplicate keys
     * wins, as in a tree), so both paths draw the HTTP 400 line in the same place.
     */
    String reviewUidOf(byte[] body) {
        try (JsonParser p = mapper.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String[] kind = {null};
            String[] uid = {null};
            boolean[] request = {false};
            readFields(p, (field, value) -> {
                if ("kind".equals(field)) {
                    kind[0] = value == JsonToken.VALUE_STRING ? p.getText() : null;
                } else if ("request".equals(field)) {
                    request[0] = value == JsonToken.START_OBJECT;
                    uid[0] = request[0] ? requestUid(p) : null;
                }
            });
            return "AdmissionReview".equals(kind[0]) && request[0] && uid[0] != null && !uid[0].isBlank()
                    ? uid[0]
                    : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Reads the request object the parser is at to its end; its last string {@code uid}, or null. */
    private static String requestUid(JsonParser p) throws IOException {
        String[] uid = {null};
        readFields(p, (field, value) -> {
            if ("uid".equals(field)) {
                uid[0] = value == JsonToken.VALUE_STRING ? p.getText() : null;
            }
        });
        return uid[0];
    }

    /** Called with each field of a streamed JSON object: its name and the first token of its value. */
    private interface FieldReader {
        void read(String field, JsonToken value) throws IOException;
    }

    /**
     * Reads the object whose start the parser has passed to its end, handing each field to {@code reader}; whatever
     * of a value the reader leaves unread is skipped, so the last of duplicate keys wins, as in a tree.
     */
    private static void readFields(JsonParser p, FieldReader reader) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            reader.read(field, value);
            p.skipChildren();
        }
    }

    /**
     * Where the first null list element under {@code node} is, as {@code field.a.b[2]}, or null when there is none. The
     * API server encodes list elements from Go values, never as null; a null one would reach the rules as a null
     * object. Recursion is bounded by the parser's nesting limit (1000); the path is built only for the hit.
     */
    static String nullElement(JsonNode node, String field) {
        ArrayDeque<String> at = new ArrayDeque<>();
        return findNull(node, at) ? field + String.join("", at) : null;
    }

    private static boolean findNull(JsonNode node, Deque<String> at) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode element = node.get(i);
                if (element.isNull() || element.isContainerNode() && findNull(element, at)) {
                    at.push("[" + i + "]");
                    return true;
                }
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (e.getValue().isContainerNode() && findNull(e.getValue(), at)) {
                    at.push("." + (e.getKey().length() > 60 ? e.getKey().substring(0, 60) + "…" : e.getKey()));
                    return true;
                }
            }
        }
        return false;
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "(missing)";
        }
        return truncate(node.toString());
    }

    private static String truncate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "…" : s;
    }

    /**
     * Why a body is not JSON, without Jackson's message: that can quote the offending token, i.e. request content,
     * which would then reach Ordinal's log and the API server's audit log.
     */
    private static String parseProblem(Exception e) {
        if (e instanceof StreamConstraintsException limit) {
            return truncate(limit.getOriginalMessage()); // a size or depth limit: numbers only
        }
        if (e instanceof JsonProcessingException jpe && jpe.getLocation() != null) {
            JsonLocation at = jpe.getLocation();
            String where = "at line " + at.getLineNr() + ", column " + at.getColumnNr();
            return (jpe.getOriginalMessage() != null && jpe.getOriginalMessage().startsWith("Invalid UTF-8")
                            ? "invalid UTF-8 "
                            : "syntax error ")
                    + where;
        }
        return e.getClass().getSimpleName();
    }

    /**
     * Which field of {@code field} does not fit the Pod model, and what it should be; never the value, which may be a
     * secret (an env value in the wrong shape) and would reach the log and the API server's audit log.
     */
    static String mappingProblem(String field, Exception e) {
        if (!(e instanceof JsonMappingException jme) || jme.getPath().isEmpty()) {
            return "it does not map to the Pod model";
        }
        StringBuilder path = new StringBuilder(field);
        for (JsonMappingException.Reference ref : jme.getPath()) {
            if (ref.getFieldName() != null) {
                String name = ref.getFieldName();
                path.append('.').append(name.length() > 60 ? name.substring(0, 60) + "…" : name);
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        Class<?> type = e instanceof MismatchedInputException mismatch
                ? mismatch.getTargetType()
                : thrownByQuantity(e.getCause()) ? io.fabric8.kubernetes.api.model.Quantity.class : null;
        return truncate(path.toString()) + " has the wrong type or value"
                + (type == null ? "" : "; allowed: " + expected(type));
    }

    /**
     * True when {@code cause} was thrown while fabric8's {@code Quantity} parsed a value (e.g. {@code ""} or
     * {@code "1e3m"}): Jackson then wraps a plain IllegalArgumentException with the path but no target type, and only
     * the stack tells that a quantity was expected. Only frames are read, never the message (it can quote the value).
     */
    static boolean thrownByQuantity(Throwable cause) {
        if (!(cause instanceof IllegalArgumentException)) {
            return false;
        }
        String quantity = io.fabric8.kubernetes.api.model.Quantity.class.getName();
        for (StackTraceElement frame : cause.getStackTrace()) {
            if (frame.getClassName().startsWith(quantity)) {
                return true;
            }
        }
        return false;
    }

    private static String expected(Class<?> type) {
        if (type == io.fabric8.kubernetes.api.model.IntOrString.class) {
            return "an integer or a string";
        }
        if (type == io.fabric8.kubernetes.api.model.Quantity.class) {
            return "a quantity such as 1Gi, 500Mi or 10G";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number that fits " + type.getSimpleName();
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a list";
        }
        return "an object";
    }
}
