package dev.ordinal.identity;

import static dev.ordinal.identity.OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.CREATE_SERVICE_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.EPHEMERAL_VOLUMES_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.MIN_READY_SECONDS_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.ORDERING_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.POLICY_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.PVC_RETENTION_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.RESERVED_ORDINALS_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.SERVICE_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.SET_LABEL;
import static dev.ordinal.identity.OrdinalKeys.START_ORDINAL_ANNOTATION;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Parses and validates a set name and the {@code ordinal.dev/*} setting annotations. Every problem becomes a message
 * that names the label or annotation, the bad value and what is allowed.
 */
public final class SettingsParser {

    /** Upper bound for {@code ordinal.dev/start-ordinal}; leaves room for {@code S-n} within a DNS label. */
    public static final int MAX_START_ORDINAL = 1_000_000_000;
    /** Upper bound for {@code ordinal.dev/min-ready-seconds}: one day, as a sanity limit. */
    public static final int MAX_MIN_READY_SECONDS = 86_400;

    private static final Pattern DECIMAL = Pattern.compile("0|[1-9][0-9]{0,9}");

    private SettingsParser() {}

    /** Outcome of parsing: settings, or the list of problems. */
    public sealed interface Result {
        /**
         * All annotations valid. {@code claimTemplates} is {@code ordinal.dev/claim-templates} as parsed here, once
         * per review (empty when the pod has none).
         */
        record Valid(SetSettings settings, Map<String, PersistentVolumeClaimTemplate> claimTemplates)
                implements Result {}

        /** At least one problem; each message is complete on its own. */
        record Invalid(List<String> problems) implements Result {}
    }

    /**
     * Parses the settings of set {@code set} from {@code annotations} (null means none). Unknown {@code ordinal.dev/*}
     * annotations are problems too, so a typo is never silently ignored.
     */
    public static Result parse(String set, Map<String, String> annotations) {
        return parse(set, annotations, true);
    }

    /**
     * The settings {@link #parse} finds, or empty when it finds problems; the claim templates are checked (through
     * {@link ClaimTemplates#problemOf}, which remembers recent values) but not kept. For {@link Member}, which the
     * index and the controller build for every pod at every change of it.
     */
    public static Optional<SetSettings> settings(String set, Map<String, String> annotations) {
        return parse(set, annotations, false) instanceof Result.Valid valid
                ? Optional.of(valid.settings())
                : Optional.empty();
    }

    private static Result parse(String set, Map<String, String> annotations, boolean keepTemplates) {
        // JSON null in a map of strings is "" to the API server (Go decoding), so it is here too.
        Map<String, String> a = new HashMap<>();
        if (annotations != null) {
            annotations.forEach((k, v) -> a.put(k, v == null ? "" : v));
        }
        List<String> problems = new ArrayList<>();

        problems.addAll(setNameProblems(set));
        for (String key : a.keySet()) {
            if (key.startsWith(OrdinalKeys.PREFIX)
                    && !OrdinalKeys.SETTING_ANNOTATIONS.contains(key)
                    && !OrdinalKeys.OWNED_ANNOTATIONS.contains(key)) {
                problems.add("annotation " + key + " is not an Ordinal setting; known annotations: "
                        + String.join(", ", OrdinalKeys.SETTING_ANNOTATIONS));
            }
        }

        String service = a.getOrDefault(SERVICE_ANNOTATION, set);
        if (service != null && !PodNames.isServiceName(service)) {
            problems.add(
                    a.containsKey(SERVICE_ANNOTATION)
                            ? "annotation " + SERVICE_ANNOTATION + ": value " + quote(service)
                                    + " is not a valid Service name; allowed: a DNS-1035 label (lowercase letters, digits and '-',"
                                    + " starting with a letter, at most 63 characters)"
                            : "annotation " + SERVICE_ANNOTATION + " is required because the default, the set name "
                                    + quote(set)
                                    + ", is not a valid Service name (a DNS-1035 label: lowercase letters, digits"
                                    + " and '-', starting with a letter, at most 63 characters)");
        }

        SetSettings.PodManagementPolicy policy = parseEnum(
                a,
                POLICY_ANNOTATION,
                SetSettings.PodManagementPolicy.class,
                SetSettings.PodManagementPolicy.OrderedReady,
                problems);
        SetSettings.Ordering ordering =
                parseEnum(a, ORDERING_ANNOTATION, SetSettings.Ordering.class, SetSettings.Ordering.gate, problems);
        int start = parseBoundedInt(a, START_ORDINAL_ANNOTATION, 0, MAX_START_ORDINAL, problems);
        int minReady = parseBoundedInt(a, MIN_READY_SECONDS_ANNOTATION, 0, MAX_MIN_READY_SECONDS, problems);
        boolean createService = parseBoolean(a, CREATE_SERVICE_ANNOTATION, true, problems);
        SortedSet<String> ephemeral = parseVolumeList(a, problems);
        ReservedOrdinals reserved =
                parseValue(a, RESERVED_ORDINALS_ANNOTATION, ReservedOrdinals::parse, ReservedOrdinals.NONE, problems);
        ClaimRetention retention =
                parseValue(a, PVC_RETENTION_ANNOTATION, ClaimRetention::parse, ClaimRetention.RETAIN, problems);

        Map<String, PersistentVolumeClaimTemplate> claimTemplates = Map.of();
        // Not through parseValue: its message quotes the value back, and this one may be 256 KiB of JSON.
        String claimTemplatesValue = a.get(CLAIM_TEMPLATES_ANNOTATION);
        if (keepTemplates) {
            Parsed<Map<String, PersistentVolumeClaimTemplate>> parsed = ClaimTemplates.parse(claimTemplatesValue);
            if (parsed instanceof Parsed.Invalid<?> invalid) {
                problems.add("annotation " + CLAIM_TEMPLATES_ANNOTATION + ": " + invalid.reason());
            } else {
                claimTemplates = parsed.valid().orElseThrow();
            }
        } else {
            ClaimTemplates.problemOf(claimTemplatesValue)
                    .ifPresent(problem -> problems.add("annotation " + CLAIM_TEMPLATES_ANNOTATION + ": " + problem));
        }

        if (!problems.isEmpty()) {
            return new Result.Invalid(List.copyOf(problems));
        }
        return new Result.Valid(
                new SetSettings(
                        set,
                        service,
                        policy,
                        ordering,
                        start,
                        Collections.unmodifiableSortedSet(ephemeral),
                        createService,
                        minReady,
                        reserved,
                        retention),
                claimTemplates);
    }

    /** Problems with the set name itself: {@code S-n} must be able to be a DNS-1123 label. */
    public static List<String> setNameProblems(String set) {
        if (set == null || set.isEmpty()) {
            return List.of("label " + SET_LABEL + " must not be empty; allowed: a lowercase DNS-1123 label prefix");
        }
        // The shortest member name is S-0, so S may use at most 61 characters.
        if (set.length() > PodNames.MAX_DNS_LABEL_LENGTH - 2 || !PodNames.isDnsLabel(set)) {
            return List.of("label " + SET_LABEL + ": value " + quote(set) + " cannot name pods " + quote(set + "-<n>")
                    + "; allowed: lowercase letters, digits and '-', starting and ending with a letter or digit, at most "
                    + (PodNames.MAX_DNS_LABEL_LENGTH - 2) + " characters so that " + quote(set + "-<n>")
                    + " is a DNS-1123 label");
        }
        return List.of();
    }

    private static <E extends Enum<E>> E parseEnum(
            Map<String, String> a, String key, Class<E> type, E dflt, List<String> problems) {
        String raw = a.get(key);
        if (raw == null) {
            return dflt;
        }
        for (E candidate : type.getEnumConstants()) {
            if (candidate.name().equals(raw)) {
                return candidate;
            }
        }
        problems.add("annotation " + key + ": value " + quote(raw) + " is not allowed; allowed values: "
                + Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", ")));
        return dflt;
    }

    private static int parseBoundedInt(Map<String, String> a, String key, int min, int max, List<String> problems) {
        String raw = a.get(key);
        if (raw == null) {
            return min;
        }
        if (DECIMAL.matcher(raw).matches()) {
            long value = Long.parseLong(raw);
            if (value >= min && value <= max) {
                return (int) value;
            }
        }
        problems.add("annotation " + key + ": value " + quote(raw) + " is not allowed; allowed: a decimal integer from "
                + min + " to " + max + " without sign or leading zeros");
        return min;
    }

    private static boolean parseBoolean(Map<String, String> a, String key, boolean dflt, List<String> problems) {
        String raw = a.get(key);
        if (raw == null) {
            return dflt;
        }
        if (raw.equals("true") || raw.equals("false")) {
            return Boolean.parseBoolean(raw);
        }
        problems.add("annotation " + key + ": value " + quote(raw) + " is not allowed; allowed values: true, false");
        return dflt;
    }

    /** The value of annotation {@code key} by {@code parser} (which takes null as unset); {@code dflt} when invalid. */
    private static <T> T parseValue(
            Map<String, String> a, String key, Function<String, Parsed<T>> parser, T dflt, List<String> problems) {
        Parsed<T> parsed = parser.apply(a.get(key));
        if (parsed instanceof Parsed.Invalid<T> invalid) {
            problems.add("annotation " + key + ": value " + quote(a.get(key)) + " is not allowed: " + invalid.reason());
            return dflt;
        }
        return ((Parsed.Valid<T>) parsed).value();
    }

    private static SortedSet<String> parseVolumeList(Map<String, String> a, List<String> problems) {
        SortedSet<String> names = new TreeSet<>();
        String raw = a.get(EPHEMERAL_VOLUMES_ANNOTATION);
        for (String name : CommaList.entries(raw)) {
            if (!PodNames.isDnsLabel(name)) {
                problems.add("annotation " + EPHEMERAL_VOLUMES_ANNOTATION + ": value " + quote(raw)
                        + " is not allowed; allowed: a comma-separated list of volume names (DNS-1123 labels), got "
                        + quote(name) + " as an entry");
                return names;
            }
            names.add(name);
        }
        return names;
    }

    /** Quotes a user value for a message, cut to 100 characters so a hostile value cannot bloat a response. */
    static String quote(String value) {
        String shown = value.length() > 100 ? value.substring(0, 100) + "…(" + value.length() + " chars)" : value;
        return '"' + shown + '"';
    }
}
