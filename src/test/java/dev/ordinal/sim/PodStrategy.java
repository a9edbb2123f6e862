package dev.ordinal.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The parts of the API server's Pod registry strategy and in-tree admission that a webhook can observe: defaults
 * (and the ServiceAccount plugin's token volume) before admission, name generation after mutation, and the
 * validation that rejects an invalid object or a forbidden update. A subset: it covers what Ordinal reads or
 * writes, not every Pod field.
 */
public final class PodStrategy {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    /** k8s.io/apiserver names.SimpleNameGenerator: 5 characters from an alphabet without vowels and look-alikes. */
    private static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private PodStrategy() {}

    /**
     * Defaults a decoded Pod as the API server does before admission (SetDefaults_Pod and friends), and adds what
     * the ServiceAccount and DefaultTolerationSeconds admission plugins add. Webhooks see these fields, and a patch
     * that dropped them would show.
     */
    public static void applyDefaults(ObjectNode pod) {
        pod.put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode spec = object(pod, "spec");
        putIfMissing(spec, "restartPolicy", "Always");
        putIfMissing(spec, "dnsPolicy", "ClusterFirst");
        putIfMissing(spec, "schedulerName", "default-scheduler");
        if (!spec.has("terminationGracePeriodSeconds")) {
            spec.put("terminationGracePeriodSeconds", 30);
        }
        if (!spec.has("enableServiceLinks")) {
            spec.put("enableServiceLinks", true);
        }
        if (!spec.has("securityContext")) {
            spec.putObject("securityContext");
        }
        putIfMissing(spec, "serviceAccountName", "default");
        if (!spec.has("priority")) {
            spec.put("priority", 0);
        }
        String token = "kube-api-access-" + randomSuffix();
        boolean mountToken = !spec.path("automountServiceAccountToken").isBoolean()
                || spec.path("automountServiceAccountToken").asBoolean();
        for (String list : List.of("initContainers", "containers")) {
            for (JsonNode c : spec.path(list)) {
                ObjectNode container = (ObjectNode) c;
                putIfMissing(container, "terminationMessagePath", "/dev/termination-log");
                putIfMissing(container, "terminationMessagePolicy", "File");
                String image = container.path("image").asText("");
                putIfMissing(
                        container,
                        "imagePullPolicy",
                        image.endsWith(":latest") || !image.contains(":") ? "Always" : "IfNotPresent");
                if (!container.has("resources")) {
                    container.putObject("resources");
                }
                for (JsonNode port : container.path("ports")) {
                    putIfMissing((ObjectNode) port, "protocol", "TCP");
                }
                if (mountToken) {
                    ArrayNode mounts = container.has("volumeMounts")
                            ? (ArrayNode) container.get("volumeMounts")
                            : container.putArray("volumeMounts");
                    mounts.addObject()
                            .put("name", token)
                            .put("readOnly", true)
                            .put("mountPath", "/var/run/secrets/kubernetes.io/serviceaccount");
                }
            }
        }
        if (mountToken) {
            ArrayNode volumes = spec.has("volumes") ? (ArrayNode) spec.get("volumes") : spec.putArray("volumes");
            ObjectNode projected = volumes.addObject().put("name", token).putObject("projected");
            projected.put("defaultMode", 420);
            ArrayNode sources = projected.putArray("sources");
            sources.addObject()
                    .putObject("serviceAccountToken")
                    .put("expirationSeconds", 3607)
                    .put("path", "token");
            sources.addObject()
                    .putObject("configMap")
                    .put("name", "kube-root-ca.crt")
                    .putArray("items")
                    .addObject()
                    .put("key", "ca.crt")
                    .put("path", "ca.crt");
        }
        ArrayNode tolerations =
                spec.has("tolerations") ? (ArrayNode) spec.get("tolerations") : spec.putArray("tolerations");
        for (String taint : List.of("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")) {
            tolerations
                    .addObject()
                    .put("key", taint)
                    .put("operator", "Exists")
                    .put("effect", "NoExecute")
                    .put("tolerationSeconds", 300);
        }
    }

    /** {@code generateName} plus 5 random characters, as names.SimpleNameGenerator makes them. */
    public static String generateName(String prefix) {
        String base = prefix.length() > 58 ? prefix.substring(0, 58) : prefix;
        return base + randomSuffix();
    }

    /** What BeforeCreate does for a Pod after mutating admission: status reset to Pending. */
    public static void prepareForCreate(ObjectNode pod) {
        ObjectNode status = pod.putObject("status");
        status.put("phase", "Pending");
        status.put("qosClass", "BestEffort");
    }

    /** Create validation; empty when valid, else the causes as the API server lists them. */
    public static List<String> validateCreate(ObjectNode pod) {
        List<String> causes = new ArrayList<>();
        JsonNode meta = pod.path("metadata");
        String name = meta.path("name").asText("");
        if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
            causes.add("metadata.name: Invalid value: \"" + name + "\": a lowercase RFC 1123 subdomain must consist"
                    + " of lower case alphanumeric characters, '-' or '.'");
        }
        validateLabels(meta.path("labels"), causes);
        JsonNode spec = pod.path("spec");
        for (String field : List.of("hostname", "subdomain")) {
            String value = spec.path(field).asText(null);
            if (value != null
                    && (value.length() > 63 || !DNS_LABEL.matcher(value).matches())) {
                causes.add(
                        "spec." + field + ": Invalid value: \"" + value + "\": a lowercase RFC 1123 label must"
                                + " consist of lower case alphanumeric characters or '-', and must be no more than 63 characters");
            }
        }
        if (!spec.path("containers").isArray() || spec.path("containers").isEmpty()) {
            causes.add("spec.containers: Required value");
        }
        Set<String> volumeNames = new LinkedHashSet<>();
        int i = 0;
        for (JsonNode v : spec.path("volumes")) {
            String volume = v.path("name").asText("");
            if (!volumeNames.add(volume)) {
                causes.add("spec.volumes[" + i + "].name: Duplicate value: \"" + volume + "\"");
            }
            JsonNode claim = v.path("persistentVolumeClaim");
            if (claim.isObject()) {
                String claimName = claim.path("claimName").asText("");
                if (claimName.isEmpty()
                        || claimName.length() > 253
                        || !DNS_SUBDOMAIN.matcher(claimName).matches()) {
                    causes.add("spec.volumes[" + i + "].persistentVolumeClaim.claimName: Invalid value: \"" + claimName
                            + "\"");
                }
            }
            i++;
        }
        Set<String> gates = new LinkedHashSet<>();
        for (JsonNode g : spec.path("schedulingGates")) {
            if (!gates.add(g.path("name").asText())) {
                causes.add("spec.schedulingGates[" + (gates.size()) + "].name: Duplicate value: \""
                        + g.path("name").asText() + "\"");
            }
        }
        return causes;
    }

    /**
     * Update validation of {@code ValidatePodUpdate}: identity fields are immutable, the spec may change only in
     * the few mutable fields, and scheduling gates may only be removed.
     */
    public static List<String> validateUpdate(ObjectNode oldPod, ObjectNode newPod) {
        List<String> causes = new ArrayList<>();
        for (String field : List.of("name", "namespace", "uid", "creationTimestamp")) {
            if (!oldPod.path("metadata")
                    .path(field)
                    .equals(newPod.path("metadata").path(field))) {
                causes.add("metadata." + field + ": Invalid value: "
                        + newPod.path("metadata").path(field) + ": field is immutable");
            }
        }
        validateLabels(newPod.path("metadata").path("labels"), causes);
        List<String> oldGates = gates(oldPod);
        List<String> newGates = gates(newPod);
        for (String g : newGates) {
            if (!oldGates.contains(g)) {
                causes.add("spec.schedulingGates: Forbidden: only deletion is allowed, but found new scheduling gate '"
                        + g + "'");
            }
        }
        if (!mutableStripped(oldPod.path("spec")).equals(mutableStripped(newPod.path("spec")))) {
            causes.add("spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
                    + "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions"
                    + " to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it"
                    + " was previously negative),`spec.schedulingGates` (only deletion)");
        }
        return causes;
    }

    /** The scheduling gate names of {@code pod}, in order. */
    public static List<String> gates(JsonNode pod) {
        List<String> names = new ArrayList<>();
        pod.path("spec")
                .path("schedulingGates")
                .forEach(g -> names.add(g.path("name").asText()));
        return names;
    }

    private static JsonNode mutableStripped(JsonNode spec) {
        ObjectNode copy = spec.isObject()
                ? ((ObjectNode) spec).deepCopy()
                : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        copy.remove(
                List.of("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds", "schedulingGates"));
        for (String list : List.of("initContainers", "containers")) {
            for (JsonNode c : copy.path(list)) {
                ((ObjectNode) c).remove("image");
            }
        }
        return copy;
    }

    private static void validateLabels(JsonNode labels, List<String> causes) {
        for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String value = e.getValue().asText("");
            if (value.length() > 63 || !LABEL_VALUE.matcher(value).matches()) {
                causes.add("metadata.labels: Invalid value: \"" + value + "\": a valid label must be an empty string"
                        + " or consist of alphanumeric characters, '-', '_' or '.', at most 63 characters");
            }
        }
    }

    private static ObjectNode object(ObjectNode parent, String field) {
        JsonNode node = parent.get(field);
        return node instanceof ObjectNode o ? o : parent.putObject(field);
    }

    private static void putIfMissing(ObjectNode node, String field, String value) {
        if (!node.hasNonNull(field)) {
            node.put(field, value);
        }
    }

    private static String randomSuffix() {
        StringBuilder b = new StringBuilder(5);
        for (int i = 0; i < 5; i++) {
            b.append(NAME_ALPHABET.charAt(ThreadLocalRandom.current().nextInt(NAME_ALPHABET.length())));
        }
        return b.toString();
    }
}
