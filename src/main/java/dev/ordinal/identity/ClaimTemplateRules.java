package dev.ordinal.identity;

import static dev.ordinal.identity.SettingsParser.quote;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TypedLocalObjectReference;
import io.fabric8.kubernetes.api.model.TypedObjectReference;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API server's rules for a {@code volumeClaimTemplate}, applied at admission. Ordinal turns a generic ephemeral
 * volume into a PVC reference while mutating, so the API server never validates the template in the pod; a template
 * it would have refused makes the controller's PVC create fail with 422 for ever and leaves the pod gated.
 *
 * <p>
 * Follows kubernetes/kubernetes {@code pkg/apis/core/validation/validation.go}: {@code validateEphemeralVolumeSource},
 * {@code ValidatePersistentVolumeClaimTemplate} (with {@code validatePersistentVolumeClaimTemplateObjectMeta}),
 * {@code ValidatePersistentVolumeClaimSpec}, {@code validateDataSource} and {@code validateDataSourceRef}, plus the
 * apimachinery label, annotation and selector checks they call. The rules:
 * <ol>
 * <li>{@code volumeClaimTemplate} and its {@code spec} are required.</li>
 * <li>{@code metadata}: only {@code labels} and {@code annotations} may be set; label keys are qualified names and
 * values valid label values (at most 63 characters); annotation keys are qualified names (checked lowercased) and all
 * annotations together at most 256 KiB.</li>
 * <li>{@code spec.accessModes}: at least one; each one of ReadWriteOnce, ReadOnlyMany, ReadWriteMany,
 * ReadWriteOncePod; ReadWriteOncePod not combined with another mode.</li>
 * <li>{@code spec.resources.requests.storage}: required, a quantity greater than zero. Every other quantity in
 * {@code requests} and {@code limits} must be a quantity too (the API server could not decode the PVC otherwise).
 * A quantity must match Kubernetes' grammar (sign, digits, fraction, then one of the suffixes n u m k M G T P E Ki Mi
 * Gi Ti Pi Ei or a decimal exponent e/E&lt;n&gt;); its value comes from fabric8's {@link Quantity}. Ordinal also cuts
 * quantities over {@value #MAX_QUANTITY_CHARS} characters, which no real size needs, before parsing them.</li>
 * <li>{@code spec.storageClassName} and {@code spec.volumeAttributesClassName}, when not empty: DNS-1123
 * subdomains.</li>
 * <li>{@code spec.volumeMode}, when set: Filesystem or Block.</li>
 * <li>{@code spec.selector}: {@code matchLabels} as labels; each {@code matchExpressions} key a qualified name, the
 * operator In, NotIn, Exists or DoesNotExist, values present for In/NotIn and absent for Exists/DoesNotExist, each a
 * valid label value.</li>
 * <li>{@code spec.dataSource} and {@code spec.dataSourceRef}: {@code name} and {@code kind} required; without an
 * {@code apiGroup} the kind must be PersistentVolumeClaim; an {@code apiGroup} is a DNS-1123 subdomain;
 * {@code dataSourceRef.namespace} a DNS-1123 label. With {@code dataSourceRef.namespace}, {@code dataSource} must not
 * be set; otherwise, when both are set, they must name the same object.</li>
 * </ol>
 */
public final class ClaimTemplateRules {

    /** The API server's limit on the total size of an object's annotations ({@code TotalAnnotationSizeLimitB}). */
    public static final int MAX_ANNOTATIONS_BYTES = 256 * 1024;
    /** Longest quantity Ordinal parses; Kubernetes sets no such limit, but no storage size needs more. */
    public static final int MAX_QUANTITY_CHARS = 64;
    /** At most this many problems of one template are listed in a message. */
    static final int PROBLEMS_LISTED = 5;

    static final List<String> ACCESS_MODES =
            List.of("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod");
    static final List<String> VOLUME_MODES = List.of("Filesystem", "Block");
    static final List<String> SELECTOR_OPERATORS = List.of("In", "NotIn", "Exists", "DoesNotExist");

    private static final String READ_WRITE_ONCE_POD = "ReadWriteOncePod";
    private static final String STORAGE = "storage";
    private static final Pattern QUALIFIED_NAME_PART = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final int MAX_NAME_PART = 63;
    // Kubernetes' quantity grammar (apimachinery resource.ParseQuantity): number, then suffix letters, sign, digits.
    private static final Pattern QUANTITY = Pattern.compile("[+-]?[0-9]*(\\.[0-9]*)?([eEinumkKMGTP]*[-+]?[0-9]*)");
    private static final Set<String> QUANTITY_SUFFIXES =
            Set.of("", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei");
    private static final Pattern EXPONENT = Pattern.compile("[eE][-+]?[0-9]+");
    private static final String QUALIFIED_NAME = "an optional DNS-1123 subdomain prefix and '/', then a name of at most"
            + " 63 letters, digits, '-', '_' or '.' that starts and ends with a letter or digit";
    private static final String LABEL_VALUE_RULE =
            "at most 63 letters, digits, '-', '_' or '.', starting and ending" + " with a letter or digit, or empty";
    private static final String SUBDOMAIN_RULE =
            "a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at" + " most 253 characters)";
    private static final String QUANTITY_RULE = "a Kubernetes quantity such as 1Gi, 500Mi or 10G";

    private ClaimTemplateRules() {}

    /**
     * Every problem the API server would find in {@code template}, each a complete sentence that starts with the field
     * ({@code path} + ".spec.accessModes", ...) and says what is allowed. Empty when the template is valid. A null
     * template is a problem of {@code path} itself.
     */
    public static List<String> problems(String path, PersistentVolumeClaimTemplate template) {
        List<String> problems = new ArrayList<>();
        if (template == null) {
            problems.add(path + " is required; allowed: a volumeClaimTemplate with a spec (accessModes and"
                    + " resources.requests.storage)");
            return problems;
        }
        if (template.getMetadata() != null) {
            metadata(path + ".metadata", template.getMetadata(), problems);
        }
        if (template.getSpec() == null) {
            problems.add(path + ".spec is required; allowed: a PersistentVolumeClaimSpec with accessModes and"
                    + " resources.requests.storage");
        } else {
            spec(path + ".spec", template.getSpec(), problems);
        }
        return problems;
    }

    /**
     * The problems of {@code template} as one message: each prefixed with {@code prefix} (e.g. {@code volume "data": })
     * and joined by "; ", at most {@value #PROBLEMS_LISTED} listed. Empty when the template is valid.
     */
    public static Optional<String> describe(String prefix, String path, PersistentVolumeClaimTemplate template) {
        List<String> problems = problems(path, template);
        if (problems.isEmpty()) {
            return Optional.empty();
        }
        List<String> listed = new ArrayList<>();
        for (String p : problems.subList(0, Math.min(PROBLEMS_LISTED, problems.size()))) {
            listed.add(prefix + p);
        }
        String more = problems.size() > PROBLEMS_LISTED
                ? "; and " + (problems.size() - PROBLEMS_LISTED) + " more problem(s) in " + path
                : "";
        return Optional.of(String.join("; ", listed) + more);
    }

    private static void metadata(String path, ObjectMeta meta, List<String> problems) {
        // validateFieldAllowList(objMeta, allowedTemplateObjectMetaFields): only Labels and Annotations. Go's zero
        // values (null, "", 0, empty list) count as not set, as a kubectl-rendered "creationTimestamp: null" is.
        String[] fields = {
            "name",
            "generateName",
            "namespace",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "ownerReferences",
            "finalizers",
            "managedFields",
            "selfLink"
        };
        Object[] values = {
            meta.getName(),
            meta.getGenerateName(),
            meta.getNamespace(),
            meta.getUid(),
            meta.getResourceVersion(),
            meta.getGeneration(),
            meta.getCreationTimestamp(),
            meta.getDeletionTimestamp(),
            meta.getDeletionGracePeriodSeconds(),
            meta.getOwnerReferences(),
            meta.getFinalizers(),
            meta.getManagedFields(),
            meta.getSelfLink()
        };
        for (int i = 0; i < fields.length; i++) {
            if (isSet(values[i])) {
                problems.add(path + "." + fields[i] + " cannot be set in a claim template; allowed: only"
                        + " metadata.labels and metadata.annotations (Ordinal names the claim itself)");
            }
        }
        labels(path + ".labels", meta.getLabels(), problems);
        annotations(path + ".annotations", meta.getAnnotations(), problems);
    }

    private static boolean isSet(Object value) {
        return value instanceof String s
                ? !s.isEmpty()
                : value instanceof Long l ? l != 0 : value instanceof List<?> list ? !list.isEmpty() : value != null;
    }

    private static void labels(String path, Map<String, String> labels, List<String> problems) {
        if (labels == null) {
            return;
        }
        labels.forEach((key, value) -> {
            if (!isQualifiedName(key)) {
                problems.add(path + ": key " + quote(String.valueOf(key)) + " is not a valid label key; allowed: "
                        + QUALIFIED_NAME);
            }
            // JSON null in a map of strings is "" to the API server (Go decoding), so it is here too.
            if (!isLabelValue(value == null ? "" : value)) {
                problems.add(path + "[" + quote(String.valueOf(key)) + "]: value " + quote(String.valueOf(value))
                        + " is not a valid label value; allowed: " + LABEL_VALUE_RULE);
            }
        });
    }

    private static void annotations(String path, Map<String, String> annotations, List<String> problems) {
        if (annotations == null) {
            return;
        }
        long bytes = 0;
        for (Map.Entry<String, String> e : annotations.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (!isQualifiedName(key.toLowerCase(Locale.ROOT))) {
                problems.add(
                        path + ": key " + quote(key) + " is not a valid annotation key; allowed: " + QUALIFIED_NAME);
            }
            bytes += key.getBytes(StandardCharsets.UTF_8).length
                    + (e.getValue() == null ? 0 : e.getValue().getBytes(StandardCharsets.UTF_8).length);
        }
        if (bytes > MAX_ANNOTATIONS_BYTES) {
            problems.add(path + " are " + bytes + " bytes in total; allowed: at most " + MAX_ANNOTATIONS_BYTES);
        }
    }

    private static void spec(String path, PersistentVolumeClaimSpec spec, List<String> problems) {
        accessModes(path + ".accessModes", spec.getAccessModes(), problems);
        if (spec.getSelector() != null) {
            selector(path + ".selector", spec.getSelector(), problems);
        }
        resources(path + ".resources", spec, problems);
        className(path + ".storageClassName", spec.getStorageClassName(), "StorageClass", problems);
        className(
                path + ".volumeAttributesClassName",
                spec.getVolumeAttributesClassName(),
                "VolumeAttributesClass",
                problems);
        if (spec.getVolumeMode() != null && !VOLUME_MODES.contains(spec.getVolumeMode())) {
            problems.add(path + ".volumeMode " + quote(spec.getVolumeMode()) + " is not supported; allowed: "
                    + String.join(", ", VOLUME_MODES));
        }
        dataSources(path, spec.getDataSource(), spec.getDataSourceRef(), problems);
    }

    private static void accessModes(String path, List<String> modes, List<String> problems) {
        if (modes == null || modes.isEmpty()) {
            problems.add(path + " is required; allowed: one or more of " + String.join(", ", ACCESS_MODES));
            return;
        }
        boolean once = false;
        boolean other = false;
        for (int i = 0; i < modes.size(); i++) {
            String mode = modes.get(i);
            if (!ACCESS_MODES.contains(mode)) {
                problems.add(path + "[" + i + "] " + quote(String.valueOf(mode)) + " is not supported; allowed: "
                        + String.join(", ", ACCESS_MODES));
            } else if (mode.equals(READ_WRITE_ONCE_POD)) {
                once = true;
            } else {
                other = true;
            }
        }
        if (once && other) {
            problems.add(path + " combines ReadWriteOncePod with other access modes; allowed: ReadWriteOncePod alone,"
                    + " or any of ReadWriteOnce, ReadOnlyMany, ReadWriteMany");
        }
    }

    private static void resources(String path, PersistentVolumeClaimSpec spec, List<String> problems) {
        Map<String, Quantity> requests =
                spec.getResources() == null ? null : spec.getResources().getRequests();
        Map<String, Quantity> limits =
                spec.getResources() == null ? null : spec.getResources().getLimits();
        Quantity storage = requests == null ? null : requests.get(STORAGE);
        if (storage == null) {
            problems.add(path + ".requests.storage is required; allowed: a quantity greater than zero, such as 1Gi");
        } else {
            Optional<BigDecimal> value = valueOf(storage);
            if (value.isEmpty()) {
                problems.add(path + ".requests.storage " + quote(storage.toString()) + " is not a quantity; allowed: "
                        + QUANTITY_RULE + " (greater than zero)");
            } else if (value.get().signum() <= 0) {
                problems.add(path + ".requests.storage " + quote(storage.toString()) + " is not greater than zero;"
                        + " allowed: a quantity greater than zero, such as 1Gi");
            }
        }
        otherQuantities(path + ".requests", requests, problems);
        otherQuantities(path + ".limits", limits, problems);
    }

    private static void otherQuantities(String path, Map<String, Quantity> quantities, List<String> problems) {
        if (quantities == null) {
            return;
        }
        quantities.forEach((name, q) -> {
            if (path.endsWith(".requests") && STORAGE.equals(name)) {
                return; // checked above, with its own rule
            }
            if (q == null || valueOf(q).isEmpty()) {
                problems.add(path + "." + name + " " + quote(String.valueOf(q)) + " is not a quantity; allowed: "
                        + QUANTITY_RULE);
            }
        });
    }

    /**
     * The value of {@code q} when it is a Kubernetes quantity: Kubernetes' grammar and suffixes checked here, the
     * arithmetic done by fabric8 (whose own parsing accepts more, e.g. "1m3" as 1000 or Unicode digits).
     */
    static Optional<BigDecimal> valueOf(Quantity q) {
        String text = q.toString();
        if (text.isEmpty() || text.length() > MAX_QUANTITY_CHARS) {
            return Optional.empty();
        }
        Matcher m = QUANTITY.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        String suffix = m.group(2);
        if (!QUANTITY_SUFFIXES.contains(suffix) && !EXPONENT.matcher(suffix).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Quantity(text).getNumericalAmount());
        } catch (ArithmeticException | IllegalArgumentException e) {
            return Optional.empty(); // digits missing ("Gi", "."), an exponent out of range: not a usable size
        }
    }

    private static void className(String path, String name, String kind, List<String> problems) {
        if (!isEmpty(name) && !PodNames.isDnsSubdomain(name)) {
            problems.add(path + " " + quote(name) + " is not a valid " + kind + " name; allowed: " + SUBDOMAIN_RULE);
        }
    }

    private static void selector(String path, LabelSelector selector, List<String> problems) {
        labels(path + ".matchLabels", selector.getMatchLabels(), problems);
        List<LabelSelectorRequirement> expressions = selector.getMatchExpressions();
        if (expressions == null) {
            return;
        }
        for (int i = 0; i < expressions.size(); i++) {
            LabelSelectorRequirement r = expressions.get(i);
            String at = path + ".matchExpressions[" + i + "]";
            if (!isQualifiedName(r.getKey())) {
                problems.add(at + ".key " + quote(String.valueOf(r.getKey())) + " is not a valid label key; allowed: "
                        + QUALIFIED_NAME);
            }
            List<String> values = r.getValues() == null ? List.of() : r.getValues();
            String op = r.getOperator();
            if ("In".equals(op) || "NotIn".equals(op)) {
                if (values.isEmpty()) {
                    problems.add(at + ".values is required for operator " + op + "; allowed: one or more label values");
                }
            } else if ("Exists".equals(op) || "DoesNotExist".equals(op)) {
                if (!values.isEmpty()) {
                    problems.add(at + ".values must be empty for operator " + op + "; allowed: no values");
                }
            } else {
                problems.add(at + ".operator " + quote(String.valueOf(op)) + " is not a valid selector operator;"
                        + " allowed: " + String.join(", ", SELECTOR_OPERATORS));
            }
            for (int j = 0; j < values.size(); j++) {
                if (!isLabelValue(values.get(j))) {
                    problems.add(at + ".values[" + j + "] " + quote(String.valueOf(values.get(j)))
                            + " is not a valid label value; allowed: " + LABEL_VALUE_RULE);
                }
            }
        }
    }

    private static void dataSources(
            String path, TypedLocalObjectReference source, TypedObjectReference ref, List<String> problems) {
        if (source != null) {
            reference(path + ".dataSource", source.getApiGroup(), source.getKind(), source.getName(), problems);
        }
        if (ref != null) {
            reference(path + ".dataSourceRef", ref.getApiGroup(), ref.getKind(), ref.getName(), problems);
            String ns = ref.getNamespace();
            if (!isEmpty(ns) && !PodNames.isDnsLabel(ns)) {
                problems.add(path + ".dataSourceRef.namespace " + quote(ns) + " is not a namespace name; allowed: a"
                        + " DNS-1123 label");
            }
        }
        if (source != null && ref != null) {
            if (!isEmpty(ref.getNamespace())) {
                problems.add(path + ".dataSource cannot be set when dataSourceRef.namespace is set; allowed:"
                        + " dataSourceRef alone");
            } else if (!Objects.equals(emptyToNull(source.getApiGroup()), emptyToNull(ref.getApiGroup()))
                    || !Objects.equals(source.getKind(), ref.getKind())
                    || !Objects.equals(source.getName(), ref.getName())) {
                problems.add(path + ".dataSource must match dataSourceRef; allowed: the same apiGroup, kind and name"
                        + " in both, or only one of them");
            }
        }
    }

    private static String emptyToNull(String s) {
        return isEmpty(s) ? null : s;
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }

    private static void reference(String path, String apiGroup, String kind, String name, List<String> problems) {
        if (isEmpty(name)) {
            problems.add(path + ".name is required; allowed: the name of the object to populate the claim from");
        }
        if (isEmpty(kind)) {
            problems.add(path + ".kind is required; allowed: PersistentVolumeClaim, or a kind of the given apiGroup");
        }
        if (isEmpty(apiGroup)) {
            if (!isEmpty(kind) && !"PersistentVolumeClaim".equals(kind)) {
                problems.add(path + ".kind " + quote(kind) + " without an apiGroup is not supported; allowed:"
                        + " PersistentVolumeClaim, or set apiGroup (e.g. snapshot.storage.k8s.io for VolumeSnapshot)");
            }
        } else if (!PodNames.isDnsSubdomain(apiGroup)) {
            problems.add(
                    path + ".apiGroup " + quote(apiGroup) + " is not a valid API group; allowed: " + SUBDOMAIN_RULE);
        }
    }

    /** apimachinery {@code IsQualifiedName}: {@code [prefix/]name}, prefix a DNS-1123 subdomain. */
    static boolean isQualifiedName(String value) {
        if (value == null) {
            return false;
        }
        String[] parts = value.split("/", -1);
        String name;
        if (parts.length == 1) {
            name = parts[0];
        } else if (parts.length == 2) {
            if (parts[0].isEmpty() || !PodNames.isDnsSubdomain(parts[0])) {
                return false;
            }
            name = parts[1];
        } else {
            return false;
        }
        return !name.isEmpty()
                && name.length() <= MAX_NAME_PART
                && QUALIFIED_NAME_PART.matcher(name).matches();
    }

    /** apimachinery {@code IsValidLabelValue}: empty, or at most 63 characters of the label pattern. */
    static boolean isLabelValue(String value) {
        return value != null
                && value.length() <= MAX_NAME_PART
                && LABEL_VALUE.matcher(value).matches();
    }
}
