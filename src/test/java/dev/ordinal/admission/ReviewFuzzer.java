package dev.ordinal.admission;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.support.AdmissionClient;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded generator of hostile AdmissionReviews: it starts from valid reviews (a generateName CREATE with volumes
 * and annotations, a named CREATE, an UPDATE, a DELETE, a non-member) and applies one to four random mutations, on
 * the JSON tree (remove, retype, oversize, nest deeply, huge arrays, nulls, bogus {@code ordinal.dev/*} values, weird
 * uids and names) and on the raw bytes (duplicate keys, invalid UTF-8, lone surrogates, truncation, a BOM, trailing
 * garbage). The same seed gives the same inputs, so a failure is reproduced by its seed and index.
 */
final class ReviewFuzzer {

    /** One generated request: where it goes, what is sent and how it was made. */
    record Input(int index, String path, String contentType, byte[] body, List<String> mutations) {
        String describe() {
            return "#" + index + " " + path + " " + mutations + " (" + body.length + " bytes, content type "
                    + contentType + ")";
        }
    }

    static final ObjectMapper MAPPER = AdmissionClient.MAPPER;
    // Writes every non-ASCII character as a \\u escape, so a lone surrogate in a string reaches the server as JSON
    // text rather than being replaced by '?' in UTF-8 output.
    private static final ObjectMapper ASCII =
            JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Bodies above this many bytes are not generated: the transport limit (16 MiB) is tested elsewhere. */
    static final int MAX_BODY = 10 * 1024 * 1024;

    private static final String[] ORDINAL_ANNOTATIONS = {
        OrdinalKeys.SERVICE_ANNOTATION,
        OrdinalKeys.POLICY_ANNOTATION,
        OrdinalKeys.ORDERING_ANNOTATION,
        OrdinalKeys.START_ORDINAL_ANNOTATION,
        OrdinalKeys.EPHEMERAL_VOLUMES_ANNOTATION,
        OrdinalKeys.CREATE_SERVICE_ANNOTATION,
        OrdinalKeys.MIN_READY_SECONDS_ANNOTATION,
        OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION,
        OrdinalKeys.DELETION_COST_ANNOTATION,
        "ordinal.dev/odering",
        "ordinal.dev/",
        "ordinal.dev/claim-templates "
    };

    private static final String[] WEIRD_STRINGS = {
        "",
        " ",
        "\t\n",
        "\u0000",
        "null",
        "true",
        "0",
        "-1",
        "01",
        "2147483648",
        "99999999999999999999",
        "1e9",
        "web",
        "web-",
        "web-0",
        "web-00",
        "web--1",
        "web-+1",
        "web-0x1",
        "web-\u0663",
        "WEB-1",
        "web-1 ",
        "web-2147483647",
        "web-2147483648",
        "a.b",
        "-web",
        "web_1",
        "\u202eweb-1",
        "w\u00e9b-1",
        "\ud83d\ude00",
        "\ud800",
        "\udfff",
        "\ufffe",
        "\\",
        "\"",
        "'",
        "${jndi:ldap://x}",
        "%s%n%d",
        "<script>",
        "../../etc/passwd",
        "\r\nX-Injected: 1",
        "OrderedReady",
        "Parallel",
        "gate",
        "deny",
        "{}",
        "[]",
        "{\"data\":{\"spec\":{}}}"
    };

    private static final String[] BOGUS_JSON = {
        "{",
        "}",
        "[",
        "{oops",
        "null",
        "[]",
        "\"str\"",
        "7",
        "{\"data\":null}",
        "{\"data\":{}}",
        "{\"data\":{\"spec\":null}}",
        "{\"data\":{\"spec\":\"x\"}}",
        "{\"data\":{\"spec\":{\"accessModes\":\"x\"}}}",
        "{\"Bad Key\":{\"spec\":{}}}",
        "{\"\":{\"spec\":{}}}",
        "{\"data\":{\"spec\":{}}} trailing",
        "{\"data\":{\"spec\":{}}}{\"x\":1}",
        "{\"data\":{\"spec\":{}},\"data\":{\"spec\":null}}",
        "[{\"op\":\"add\",\"path\":\"/metadata/name\",\"value\":\"x\"}]",
        "[{\"op\":\"remove\",\"path\":\"/spec\"}]",
        "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b\"}]",
        "{\"data\":{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"1e999999999\"}}}}}",
        "{\"data\":{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"-1Ei\"}}}}}",
        "{\"data\":{\"spec\":{\"resources\":{\"requests\":{\"storage\":1e999999999}}}}}",
        "{\"data\":{\"metadata\":{\"labels\":{\"a\":null}},\"spec\":{\"accessModes\":[null]}}}",
        "{\"data\":{\"spec\":{\"selector\":{\"matchExpressions\":[{\"operator\":7}]}}}}",
        "{\"data\":{\"spec\":{}},\"logs\":{\"spec\":{\"storageClassName\":\"\\ud800\"}}}"
    };

    private final Random random;
    private final List<ObjectNode> seeds;
    private final List<String> seedNames;
    /** Placeholder string to raw JSON text spliced in after serialization (values nested deeper than Jackson writes). */
    private final Map<String, String> raw = new java.util.HashMap<>();

    ReviewFuzzer(long seed) {
        this.random = new Random(seed);
        this.seeds = new ArrayList<>();
        this.seedNames = new ArrayList<>();
        seed("create-generateName", createGenerateName());
        seed("create-named", createNamed());
        seed("update", update());
        seed("delete", delete());
        seed(
                "create-non-member",
                AdmissionClient.createReview(PodFixtures.member("web").build(), "fuzz"));
        ((ObjectNode) seeds.get(4)
                        .path("request")
                        .path("object")
                        .path("metadata")
                        .path("labels"))
                .remove(OrdinalKeys.SET_LABEL);
    }

    private void seed(String name, ObjectNode review) {
        seedNames.add(name);
        seeds.add(review);
    }

    /** The next input: a seed (valid reviews get through with some probability), mutated. */
    Input next(int index) {
        int which = random.nextInt(seeds.size());
        ObjectNode review = seeds.get(which).deepCopy();
        ((ObjectNode) review.path("request")).put("uid", "fuzz-" + index + "-" + Long.toHexString(random.nextLong()));
        if (random.nextInt(4) == 0) {
            ((ObjectNode) review.path("request")).put("dryRun", true);
        }
        List<String> mutations = new ArrayList<>();
        mutations.add("seed=" + seedNames.get(which));
        String path = random.nextBoolean() ? "/mutate-pods" : "/validate-pods";
        String contentType = "application/json";
        int count = 1 + (random.nextInt(8) == 0 ? 0 : random.nextInt(4)) - (random.nextInt(16) == 0 ? 1 : 0);
        boolean ascii = false;
        for (int i = 0; i < count; i++) {
            mutations.add(mutateTree(review));
        }
        if (random.nextInt(10) == 0) {
            ascii = true;
            mutations.add("ascii-escaped");
        }
        byte[] body = write(review, ascii);
        if (!raw.isEmpty()) {
            String text = new String(body, StandardCharsets.UTF_8);
            for (Map.Entry<String, String> e : raw.entrySet()) {
                text = text.replace("\"" + e.getKey() + "\"", e.getValue());
            }
            body = text.getBytes(StandardCharsets.UTF_8);
            raw.clear();
        }
        if (random.nextInt(6) == 0) {
            RawEdit edit = mutateRaw(body);
            body = edit.body();
            mutations.add(edit.name());
        }
        if (random.nextInt(50) == 0) {
            String[] types = {
                "text/plain",
                "application/json; charset=utf-8",
                "APPLICATION/JSON",
                null,
                "application/jsonx",
                "application/x-www-form-urlencoded",
                ""
            };
            contentType = types[random.nextInt(types.length)];
            mutations.add("content-type=" + contentType);
        }
        if (body.length > MAX_BODY) {
            body = java.util.Arrays.copyOf(body, MAX_BODY);
            mutations.add("cut-to-" + MAX_BODY);
        }
        return new Input(index, path, contentType, body, mutations);
    }

    // ---- tree mutations ----

    private String mutateTree(ObjectNode review) {
        int op = random.nextInt(100);
        if (op < 14) {
            Slot slot = pickSlot(review);
            if (slot == null) {
                return "remove(none)";
            }
            slot.remove();
            return "remove " + slot;
        }
        if (op < 30) {
            Slot slot = pickSlot(review);
            if (slot == null) {
                return "retype(none)";
            }
            JsonNode value = randomValueUnlike(slot.get());
            slot.set(value);
            return "retype " + slot + " -> " + value.getNodeType();
        }
        if (op < 36) {
            Slot slot = pickSlot(review);
            if (slot == null) {
                return "big-string(none)";
            }
            String big = bigString();
            slot.set(NODES.textNode(big));
            return "big-string " + slot + " " + big.length() + " chars";
        }
        if (op < 42) {
            Slot slot = pickSlot(review);
            if (slot == null) {
                return "deep(none)";
            }
            int[] depths = {20, 200, 900, 990, 996, 999, 1000, 1001, 1200, 5000, 20000};
            int depth = depths[random.nextInt(depths.length)];
            slot.set(NODES.textNode(deep(depth, random.nextBoolean())));
            return "deep " + slot + " depth " + depth;
        }
        if (op < 46) {
            Slot slot = pickSlot(review);
            if (slot == null) {
                return "huge-array(none)";
            }
            int[] sizes = {1_000, 10_000, 100_000, 400_000};
            int size = sizes[random.nextInt(sizes.length)];
            ArrayNode array = NODES.arrayNode(size);
            int kind = random.nextInt(4);
            for (int i = 0; i < size; i++) {
                array.add(
                        kind == 0
                                ? NODES.numberNode(i)
                                : kind == 1 ? NODES.textNode("") : kind == 2 ? NODES.nullNode() : NODES.objectNode());
            }
            slot.set(array);
            return "huge-array " + slot + " " + size;
        }
        if (op < 52) {
            ObjectNode map = metadataMap(review);
            if (map == null) {
                return "null-map-value(none)";
            }
            String key = random.nextBoolean() && map.size() > 0 ? randomKey(map) : pick(ORDINAL_ANNOTATIONS);
            if (random.nextBoolean()) {
                key = OrdinalKeys.SET_LABEL;
            }
            map.putNull(key);
            return "null-map-value " + key;
        }
        if (op < 57) {
            List<ArrayNode> arrays = new ArrayList<>();
            collectArrays(review, arrays);
            if (arrays.isEmpty()) {
                return "null-element(none)";
            }
            ArrayNode array = arrays.get(random.nextInt(arrays.size()));
            array.insertNull(random.nextInt(array.size() + 1));
            return "null-element";
        }
        if (op < 67) {
            ObjectNode annotations = annotations(review);
            if (annotations == null) {
                return "ordinal-annotation(none)";
            }
            String key = pick(ORDINAL_ANNOTATIONS);
            String value = annotationValue();
            annotations.put(key, value);
            return "ordinal-annotation " + key + "=" + abbreviate(value);
        }
        if (op < 74) {
            ObjectNode annotations = annotations(review);
            if (annotations == null) {
                return "claim-templates(none)";
            }
            String value = random.nextInt(3) == 0 ? randomValue(4).toString() : pick(BOGUS_JSON);
            if (random.nextInt(8) == 0) {
                int depth = random.nextBoolean() ? 999 : 1001;
                value = "[".repeat(depth) + "]".repeat(depth);
            }
            annotations.put(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION, value);
            return "claim-templates " + abbreviate(value);
        }
        if (op < 80) {
            ObjectNode request = child(review, "request");
            JsonNode uid = weirdUid();
            request.set("uid", uid);
            return "uid " + abbreviate(uid.toString());
        }
        if (op < 88) {
            return weirdName(review);
        }
        if (op < 93) {
            return volumes(review);
        }
        if (op < 97) {
            return gates(review);
        }
        // Swap in a field from another seed, e.g. an UPDATE's oldObject into a CREATE.
        ObjectNode other = seeds.get(random.nextInt(seeds.size()));
        String[] fields = {"operation", "oldObject", "object", "userInfo", "kind", "namespace"};
        String field = pick(fields);
        JsonNode value = other.path("request").get(field);
        if (value == null) {
            child(review, "request").remove(field);
        } else {
            child(review, "request").set(field, value.deepCopy());
        }
        return "swap request." + field;
    }

    private String weirdName(ObjectNode review) {
        JsonNode metadata = review.path("request").path("object").path("metadata");
        String[] targets = {
            "metadata.name",
            "metadata.generateName",
            "namespace",
            "label set",
            "label pod-index",
            "label pod-name",
            "spec.hostname",
            "username"
        };
        String target = pick(targets);
        String value = random.nextInt(4) == 0 ? bigString() : pick(WEIRD_STRINGS);
        if (random.nextInt(4) == 0) {
            value = "web-" + (random.nextBoolean() ? random.nextInt(Integer.MAX_VALUE) : random.nextInt(5));
        }
        ObjectNode request = child(review, "request");
        switch (target) {
            case "namespace" -> request.put("namespace", value);
            case "username" -> child(request, "userInfo").put("username", value);
            default -> {
                if (!metadata.isObject()) {
                    return "weird-name(no metadata)";
                }
                ObjectNode m = (ObjectNode) metadata;
                switch (target) {
                    case "metadata.name" -> m.put("name", value);
                    case "metadata.generateName" -> m.put("generateName", value);
                    case "label set" -> labels(m).put(OrdinalKeys.SET_LABEL, value);
                    case "label pod-index" -> labels(m).put(OrdinalKeys.POD_INDEX_LABEL, value);
                    case "label pod-name" -> labels(m).put(OrdinalKeys.POD_NAME_LABEL, value);
                    default -> {
                        JsonNode spec = review.path("request").path("object").path("spec");
                        if (spec.isObject()) {
                            ((ObjectNode) spec).put("hostname", value);
                        }
                    }
                }
            }
        }
        return "weird-name " + target + "=" + abbreviate(value);
    }

    private String volumes(ObjectNode review) {
        JsonNode spec = review.path("request").path("object").path("spec");
        if (!spec.isObject()) {
            return "volumes(no spec)";
        }
        ArrayNode volumes = array((ObjectNode) spec, "volumes");
        int kind = random.nextInt(6);
        switch (kind) {
            case 0 -> volumes.addObject().putObject("ephemeral"); // no name, no template
            case 1 ->
                volumes.addObject()
                        .put("name", pick(WEIRD_STRINGS))
                        .putObject("ephemeral")
                        .putObject("volumeClaimTemplate")
                        .putObject("spec");
            case 2 -> {
                int n = random.nextBoolean() ? 50 : 2_000;
                for (int i = 0; i < n; i++) {
                    volumes.addObject()
                            .put("name", "v" + i)
                            .putObject("ephemeral")
                            .putObject("volumeClaimTemplate")
                            .putObject("spec")
                            .putArray("accessModes")
                            .add("ReadWriteOnce");
                }
            }
            case 3 ->
                volumes.addObject().put("name", "data").putObject("ephemeral").putNull("volumeClaimTemplate");
            case 4 ->
                volumes.addObject()
                        .put("name", "x".repeat(200))
                        .putObject("ephemeral")
                        .putObject("volumeClaimTemplate")
                        .putObject("spec");
            default ->
                volumes.addObject()
                        .put("name", "data")
                        .putObject("ephemeral")
                        .putObject("volumeClaimTemplate")
                        .set("spec", randomValue(3));
        }
        return "volumes kind " + kind;
    }

    private String gates(ObjectNode review) {
        JsonNode spec = review.path("request").path("object").path("spec");
        if (!spec.isObject()) {
            return "gates(no spec)";
        }
        ArrayNode gates = array((ObjectNode) spec, "schedulingGates");
        int kind = random.nextInt(5);
        switch (kind) {
            case 0 -> gates.addNull();
            case 1 -> gates.addObject().putNull("name");
            case 2 -> gates.addObject().put("name", OrdinalKeys.ORDERED_GATE);
            case 3 -> gates.addObject().put("name", OrdinalKeys.CLAIMS_GATE);
            default -> gates.add(randomValue(2));
        }
        return "gates kind " + kind;
    }

    // ---- raw mutations (after serialization) ----

    record RawEdit(String name, byte[] body) {}

    private static final byte[][] INVALID_UTF8 = {
        {(byte) 0xC0, (byte) 0x80},
        {(byte) 0xFF},
        {(byte) 0xFE},
        {(byte) 0x80},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xE2, (byte) 0x82},
        {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
        {(byte) 0xC3},
        {0}
    };

    private RawEdit mutateRaw(byte[] body) {
        int op = random.nextInt(8);
        switch (op) {
            case 0: {
                // Splice an invalid UTF-8 sequence right after a quote, i.e. into a string or a key.
                byte[] bad = INVALID_UTF8[random.nextInt(INVALID_UTF8.length)];
                int at = afterQuote(body);
                return new RawEdit("invalid-utf8@" + at, splice(body, at, bad));
            }
            case 1: {
                // A duplicate key: insert `"key":<value>,` before an occurrence of `"key":`.
                String[] keys = {
                    "uid",
                    "kind",
                    "request",
                    "object",
                    "operation",
                    "name",
                    "labels",
                    "annotations",
                    OrdinalKeys.SET_LABEL,
                    "namespace",
                    "apiVersion",
                    "spec",
                    "volumes"
                };
                String key = pick(keys);
                byte[] needle = ("\"" + key + "\":").getBytes(StandardCharsets.UTF_8);
                int at = indexOf(body, needle, random.nextBoolean());
                if (at < 0) {
                    return new RawEdit("duplicate-key(absent " + key + ")", body);
                }
                byte[] insert = ("\"" + key + "\":" + randomValue(2) + ",").getBytes(StandardCharsets.UTF_8);
                return new RawEdit("duplicate-key " + key, splice(body, at, insert));
            }
            case 2:
                return new RawEdit("truncate", java.util.Arrays.copyOf(body, random.nextInt(body.length)));
            case 3: {
                // A lone surrogate written as a JSON escape: valid JSON text, not valid Unicode.
                byte[] s = (random.nextBoolean() ? "\\ud800" : "\\udc00x").getBytes(StandardCharsets.US_ASCII);
                int at = afterQuote(body);
                return new RawEdit("lone-surrogate@" + at, splice(body, at, s));
            }
            case 4:
                return new RawEdit("bom", splice(body, 0, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}));
            case 5:
                return new RawEdit(
                        "trailing-garbage",
                        splice(
                                body,
                                body.length,
                                (random.nextBoolean() ? " {\"x\":1}" : " ]garbage").getBytes(StandardCharsets.UTF_8)));
            case 6: {
                byte[] pad = new byte[random.nextBoolean() ? 100 : 1_000_000];
                java.util.Arrays.fill(pad, (byte) ' ');
                return new RawEdit("whitespace-padding", splice(body, 1, pad));
            }
            default: {
                // Overwrite one random byte with a random byte.
                byte[] copy = body.clone();
                int at = random.nextInt(copy.length);
                copy[at] = (byte) random.nextInt(256);
                return new RawEdit("flip-byte@" + at, copy);
            }
        }
    }

    private int afterQuote(byte[] body) {
        for (int tries = 0; tries < 50; tries++) {
            int at = random.nextInt(body.length);
            if (body[at] == '"') {
                return at + 1;
            }
        }
        return random.nextInt(body.length + 1);
    }

    private static int indexOf(byte[] haystack, byte[] needle, boolean last) {
        int found = -1;
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            found = i;
            if (!last) {
                return found;
            }
        }
        return found;
    }

    private static byte[] splice(byte[] body, int at, byte[] insert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + insert.length);
        out.write(body, 0, at);
        out.write(insert, 0, insert.length);
        out.write(body, at, body.length - at);
        return out.toByteArray();
    }

    // ---- values ----

    private JsonNode randomValue(int depth) {
        int t = random.nextInt(depth > 0 ? 8 : 6);
        return switch (t) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> number();
            case 3 -> NODES.textNode(pick(WEIRD_STRINGS));
            case 4 -> NODES.textNode(randomString(random.nextInt(40)));
            case 5 -> NODES.textNode("");
            case 6 -> {
                ArrayNode a = NODES.arrayNode();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    a.add(randomValue(depth - 1));
                }
                yield a;
            }
            default -> {
                ObjectNode o = NODES.objectNode();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    o.set(random.nextBoolean() ? pick(WEIRD_STRINGS) : randomString(8), randomValue(depth - 1));
                }
                yield o;
            }
        };
    }

    private JsonNode randomValueUnlike(JsonNode current) {
        for (int i = 0; i < 10; i++) {
            JsonNode candidate = randomValue(2);
            if (current == null || candidate.getNodeType() != current.getNodeType()) {
                return candidate;
            }
        }
        return NODES.nullNode();
    }

    private JsonNode number() {
        return switch (random.nextInt(10)) {
            case 0 -> NODES.numberNode(random.nextInt());
            case 1 -> NODES.numberNode(random.nextLong());
            case 2 -> NODES.numberNode(-0.0);
            case 3 -> NODES.numberNode(random.nextDouble() * 1e300);
            case 4 -> NODES.numberNode(new java.math.BigDecimal("1e999999999"));
            case 5 -> NODES.numberNode(new java.math.BigDecimal("-1e-999999999"));
            case 6 -> NODES.numberNode(new java.math.BigInteger("9".repeat(random.nextBoolean() ? 900 : 1500)));
            case 7 -> NODES.numberNode(Integer.MAX_VALUE + 1L);
            case 8 -> NODES.numberNode(1.5);
            default -> NODES.numberNode(random.nextInt(10));
        };
    }

    private JsonNode weirdUid() {
        return switch (random.nextInt(12)) {
            case 0 -> NODES.textNode("");
            case 1 -> NODES.textNode("   ");
            case 2 -> NODES.numberNode(random.nextInt());
            case 3 -> NODES.textNode("u".repeat(random.nextBoolean() ? 10_000 : 1_000_000));
            case 4 -> NODES.textNode("\ud83d\ude00-\u202e-\u0000-\u4e2d\u6587");
            case 5 -> NODES.textNode("\ud800");
            case 6 -> NODES.nullNode();
            case 7 -> NODES.objectNode().put("uid", "x");
            case 8 -> NODES.arrayNode().add("x");
            case 9 -> NODES.booleanNode(true);
            case 10 -> NODES.textNode("line1\nline2\r\n\tuid=forged");
            default -> NODES.textNode(randomString(1 + random.nextInt(60)));
        };
    }

    private String annotationValue() {
        return switch (random.nextInt(6)) {
            case 0 -> pick(BOGUS_JSON);
            case 1 -> bigString();
            case 2 -> randomValue(3).toString();
            case 3 -> Integer.toString(random.nextInt());
            default -> pick(WEIRD_STRINGS);
        };
    }

    private String bigString() {
        int[] sizes = {300, 5_000, 70_000, 300_000, 1_100_000, 3_500_000, 8_000_000};
        int roll = random.nextInt(100);
        int size = roll < 40
                ? sizes[0]
                : roll < 65
                        ? sizes[1]
                        : roll < 80
                                ? sizes[2]
                                : roll < 90 ? sizes[3] : roll < 96 ? sizes[4] : roll < 99 ? sizes[5] : sizes[6];
        String unit = switch (random.nextInt(4)) {
            case 0 -> "a";
            case 1 -> "\u00e9\u4e2d";
            case 2 -> "\ud83d\ude00";
            default -> "\"\\\n";
        };
        return unit.repeat(Math.max(1, size / unit.length()));
    }

    private String randomString(int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int roll = random.nextInt(10);
            if (roll < 6) {
                s.append((char) ('a' + random.nextInt(26)));
            } else if (roll < 8) {
                s.append((char) random.nextInt(0x80));
            } else if (roll < 9) {
                s.appendCodePoint(0x80 + random.nextInt(0x10FFFF - 0x80));
            } else {
                s.append((char) (0xD800 + random.nextInt(0x800))); // lone surrogates on purpose
            }
        }
        return s.toString();
    }

    /** A placeholder for a value nested {@code depth} levels deep, replaced by the raw text when written. */
    private String deep(int depth, boolean arrays) {
        String placeholder = "deep-placeholder-" + raw.size() + "-" + Long.toHexString(random.nextLong());
        raw.put(
                placeholder,
                arrays
                        ? "[".repeat(depth) + "\"bottom\"" + "]".repeat(depth)
                        : "{\"d\":".repeat(depth) + "\"bottom\"" + "}".repeat(depth));
        return placeholder;
    }

    // ---- slots: a place in the tree that can be removed or replaced ----

    /** A field of an object or an element of an array. */
    private record Slot(JsonNode parent, String field, int index, String path) {
        JsonNode get() {
            return field != null ? parent.get(field) : parent.get(index);
        }

        void set(JsonNode value) {
            if (field != null) {
                ((ObjectNode) parent).set(field, value);
            } else {
                ((ArrayNode) parent).set(index, value);
            }
        }

        void remove() {
            if (field != null) {
                ((ObjectNode) parent).remove(field);
            } else {
                ((ArrayNode) parent).remove(index);
            }
        }

        @Override
        public String toString() {
            return path;
        }
    }

    private Slot pickSlot(ObjectNode review) {
        List<Slot> slots = new ArrayList<>();
        JsonNode start = review;
        String prefix = "";
        // Mostly aim inside request.object, where the rules look; sometimes at the envelope or anywhere.
        int roll = random.nextInt(10);
        JsonNode object = review.path("request").path("object");
        if (roll < 6 && object.isContainerNode()) {
            start = object;
            prefix = "/request/object";
        }
        collect(start, prefix, slots, 0);
        return slots.isEmpty() ? null : slots.get(random.nextInt(slots.size()));
    }

    private static void collect(JsonNode node, String path, List<Slot> slots, int depth) {
        if (depth > 40 || slots.size() > 5_000) {
            return;
        }
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                String p = path + "/" + e.getKey();
                slots.add(new Slot(node, e.getKey(), -1, p));
                collect(e.getValue(), p, slots, depth + 1);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size() && i < 50; i++) {
                String p = path + "/" + i;
                slots.add(new Slot(node, null, i, p));
                collect(node.get(i), p, slots, depth + 1);
            }
        }
    }

    private static void collectArrays(JsonNode node, List<ArrayNode> arrays) {
        if (node.isArray()) {
            arrays.add((ArrayNode) node);
        }
        if (node.isContainerNode() && node.size() < 100) {
            node.forEach(child -> collectArrays(child, arrays));
        }
    }

    private ObjectNode metadataMap(ObjectNode review) {
        JsonNode metadata = review.path("request")
                .path(random.nextInt(4) == 0 ? "oldObject" : "object")
                .path("metadata");
        if (!metadata.isObject()) {
            return null;
        }
        return random.nextBoolean() ? labels((ObjectNode) metadata) : child((ObjectNode) metadata, "annotations");
    }

    /** {@code parent.field} as an object, replacing whatever else an earlier mutation put there. */
    private static ObjectNode child(ObjectNode parent, String field) {
        JsonNode node = parent.get(field);
        return node != null && node.isObject() ? (ObjectNode) node : parent.putObject(field);
    }

    /** {@code parent.field} as an array, replacing whatever else an earlier mutation put there. */
    private static ArrayNode array(ObjectNode parent, String field) {
        JsonNode node = parent.get(field);
        return node != null && node.isArray() ? (ArrayNode) node : parent.putArray(field);
    }

    private static ObjectNode labels(ObjectNode metadata) {
        JsonNode labels = metadata.get("labels");
        if (labels == null || !labels.isObject()) {
            return metadata.putObject("labels");
        }
        return (ObjectNode) labels;
    }

    private ObjectNode annotations(ObjectNode review) {
        JsonNode metadata = review.path("request")
                .path(random.nextInt(5) == 0 ? "oldObject" : "object")
                .path("metadata");
        if (!metadata.isObject()) {
            return null;
        }
        JsonNode annotations = metadata.get("annotations");
        if (annotations == null || !annotations.isObject()) {
            return ((ObjectNode) metadata).putObject("annotations");
        }
        return (ObjectNode) annotations;
    }

    private String randomKey(ObjectNode map) {
        List<String> keys = new ArrayList<>();
        map.fieldNames().forEachRemaining(keys::add);
        return keys.get(random.nextInt(keys.size()));
    }

    private <T> T pick(T[] values) {
        return values[random.nextInt(values.length)];
    }

    private static String abbreviate(String s) {
        String shown = s.length() > 60 ? s.substring(0, 60) + "…(" + s.length() + ")" : s;
        StringBuilder out = new StringBuilder();
        shown.codePoints().forEach(c -> {
            if (c < 0x20 || (c >= 0xD800 && c <= 0xDFFF)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    private static byte[] write(JsonNode review, boolean ascii) {
        try {
            return (ascii ? ASCII : MAPPER).writeValueAsBytes(review);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---- seeds ----

    private static ObjectNode createGenerateName() {
        Pod pod = PodFixtures.member("web")
                .ephemeralVolume("data")
                .ephemeralVolume("logs")
                .annotation(OrdinalKeys.SERVICE_ANNOTATION, "web")
                .annotation(OrdinalKeys.EPHEMERAL_VOLUMES_ANNOTATION, "logs")
                .annotation("example.com/owner", "team-a")
                .build();
        ObjectNode review = AdmissionClient.createReview(pod, "fuzz");
        ObjectNode object = (ObjectNode) review.path("request").path("object");
        ObjectNode container =
                (ObjectNode) object.path("spec").path("containers").get(0);
        container.putArray("env").addObject().put("name", "MODE").put("value", "primary");
        ((ObjectNode) object.path("spec"))
                .withArray("volumes")
                .addObject()
                .put("name", "creds")
                .putObject("secret")
                .put("secretName", "web-creds");
        ((ObjectNode) object.path("spec")).put("futureField", "kept"); // unknown to the model on purpose
        return review;
    }

    private static ObjectNode createNamed() {
        Pod pod = PodFixtures.member("web")
                .named("web-3")
                .annotation(OrdinalKeys.START_ORDINAL_ANNOTATION, "1")
                .annotation(OrdinalKeys.POLICY_ANNOTATION, "Parallel")
                .build();
        return AdmissionClient.createReview(pod, "fuzz");
    }

    private static ObjectNode update() {
        Pod old = PodFixtures.stored("web", 0)
                .hostname("web-0", "web")
                .gate(OrdinalKeys.ORDERED_GATE)
                .annotation(OrdinalKeys.DELETION_COST_ANNOTATION, "0")
                .build();
        Pod updated = PodFixtures.stored("web", 0)
                .hostname("web-0", "web")
                .label("extra", "1")
                .annotation(OrdinalKeys.DELETION_COST_ANNOTATION, "0")
                .build();
        return AdmissionClient.review(
                "UPDATE", updated, old, "fuzz", "system:serviceaccount:ordinal-system:ordinal", false);
    }

    private static ObjectNode delete() {
        Pod old = PodFixtures.stored("web", 1).build();
        ObjectNode review = AdmissionClient.review("DELETE", old, old, "fuzz", "alice", false);
        ((ObjectNode) review.path("request")).putNull("object");
        return review;
    }
}
