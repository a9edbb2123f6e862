package dev.ordinal.identity;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import java.io.IOException;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code ordinal.dev/claim-templates} annotation: a JSON object from volume name to the volume's
 * {@code volumeClaimTemplate}, kept so the controller can create {@code <volume>-S-n} later.
 */
public final class ClaimTemplates {

    /** Annotation values are bounded by the API server (256 KiB for all annotations); this is a cheap early cut. */
    public static final int MAX_ANNOTATION_CHARS = 256 * 1024;

    // Thread-safe once configured and never reconfigured: a constant, not mutable state.
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<TreeMap<String, PersistentVolumeClaimTemplate>> TYPE = new TypeReference<>() {};

    private ClaimTemplates() {}

    /** Parses an annotation value; null or blank means no templates. Valid templates are sorted by volume name. */
    public static Parsed<Map<String, PersistentVolumeClaimTemplate>> parse(String json) {
        if (json == null || json.isBlank()) {
            return new Parsed.Valid<>(Map.of());
        }
        if (json.length() > MAX_ANNOTATION_CHARS) {
            return new Parsed.Invalid<>(
                    "value of " + json.length() + " characters is over the limit of " + MAX_ANNOTATION_CHARS);
        }
        TreeMap<String, PersistentVolumeClaimTemplate> templates;
        // Read through a parser and require the end of input after the value: ObjectMapper.readValue(String) stops
        // after the first value and accepts `{...} garbage`. (DeserializationFeature.FAIL_ON_TRAILING_TOKENS cannot
        // be used: it breaks fabric8's Quantity deserializer, which reads a nested tree through the same mapper.)
        try (JsonParser parser = MAPPER.createParser(json)) {
            templates = MAPPER.readValue(parser, TYPE);
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("trailing content after the JSON value");
            }
        } catch (IOException | RuntimeException e) {
            return new Parsed.Invalid<>("value is not a JSON object from volume name to PersistentVolumeClaimTemplate"
                    + " ({\"<volume>\": {\"spec\": {...}}})");
        }
        if (templates == null) {
            return new Parsed.Invalid<>("value must be a JSON object, not null");
        }
        for (Map.Entry<String, PersistentVolumeClaimTemplate> e : templates.entrySet()) {
            if (!PodNames.isDnsLabel(e.getKey())) {
                return new Parsed.Invalid<>(
                        "key " + SettingsParser.quote(e.getKey()) + " is not a volume name (a DNS-1123 label)");
            }
            if (e.getValue() == null || e.getValue().getSpec() == null) {
                return new Parsed.Invalid<>("template for volume " + SettingsParser.quote(e.getKey()) + " has no spec");
            }
        }
        return new Parsed.Valid<>(Collections.unmodifiableMap(templates));
    }

    /**
     * Why {@code json} is not a valid annotation value, or empty when it is: {@link #parse} without the templates,
     * remembered for recently seen values up to {@link #REMEMBERED_MAX_CHARS}. Every pod of a set carries the same
     * value, and the index and the controller read each pod's settings at every change of it: parsing the value each
     * time was 2 % of the leader's CPU samples in a 100-pod rollout. A memo of a pure function with immutable results,
     * bounded like {@link #RECENT}.
     */
    public static Optional<String> problemOf(String json) {
        if (json == null || json.isBlank()) {
            return Optional.empty();
        }
        String known = RECENT_PROBLEMS.get(json);
        if (known != null) {
            return known.isEmpty() ? Optional.empty() : Optional.of(known);
        }
        String problem = parse(json) instanceof Parsed.Invalid<?> invalid ? invalid.reason() : "";
        if (json.length() <= REMEMBERED_MAX_CHARS) {
            if (RECENT_PROBLEMS.size() >= RECENT_MAX) {
                RECENT_PROBLEMS.clear();
            }
            RECENT_PROBLEMS.put(json, problem);
        }
        return problem.isEmpty() ? Optional.empty() : Optional.of(problem);
    }

    /** Values longer than this are parsed at each {@link #problemOf}, so the memo holds at most 64 × 16 KiB. */
    static final int REMEMBERED_MAX_CHARS = 16 * 1024;

    /** Recently seen annotation values and their problem ("" when valid). */
    private static final Map<String, String> RECENT_PROBLEMS = new ConcurrentHashMap<>();

    /** Encodes templates as the annotation value, keys sorted so equal maps give equal strings. */
    public static String encode(Map<String, PersistentVolumeClaimTemplate> templates) {
        String known = RECENT.get(templates);
        if (known != null) {
            return known;
        }
        TreeMap<String, PersistentVolumeClaimTemplate> sorted = new TreeMap<>(templates);
        String encoded;
        try {
            encoded = MAPPER.writeValueAsString(sorted);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("fabric8 model failed to serialize", e);
        }
        if (RECENT.size() >= RECENT_MAX) {
            RECENT.clear();
        }
        // The key is decoded from the encoding: a copy nobody else holds, so no caller can change it in the map.
        parse(encoded).valid().filter(templates::equals).ifPresent(copy -> RECENT.put(copy, encoded));
        return encoded;
    }

    /**
     * Encodings of recently seen templates, by value. Every pod of a set carries the same templates, and encoding them
     * (Jackson over fabric8's model) was about 7 µs of a review with a volume; a lookup is a hash and one equals. A
     * memo of a pure function, bounded: emptied when full.
     */
    private static final Map<Map<String, PersistentVolumeClaimTemplate>, String> RECENT = new ConcurrentHashMap<>();

    static final int RECENT_MAX = 64;

    /** Whether {@link #problemOf} remembers {@code json} (for tests). */
    static boolean remembersProblemOf(String json) {
        return RECENT_PROBLEMS.containsKey(json);
    }

    /** Whether {@link #encode} has the encoding of {@code templates} at hand (for tests). */
    static boolean remembers(Map<String, PersistentVolumeClaimTemplate> templates) {
        return RECENT.containsKey(templates);
    }
}
