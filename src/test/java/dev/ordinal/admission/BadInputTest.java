package dev.ordinal.admission;

import static dev.ordinal.support.AdmissionClient.createReview;
import static dev.ordinal.support.AdmissionClient.post;
import static dev.ordinal.support.AdmissionClient.read;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.support.AdmissionClient;
import dev.ordinal.support.PodFixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.Response;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every kind of bad input, on both endpoints: HTTP 400 for what is not an AdmissionReview, otherwise HTTP 200 with
 * allowed=false, the uid echoed, a fitting code and a message naming the field, the value and what is allowed.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class BadInputTest {

    static Stream<Arguments> notAReview() {
        return Stream.of(
                Arguments.argumentSet("empty body", "", "application/json", "empty"),
                Arguments.argumentSet("not JSON", "{", "application/json", "not valid JSON"),
                Arguments.argumentSet(
                        "wrong content type", "{}", "text/plain", "Content-Type must be application/json"),
                Arguments.argumentSet("JSON array", "[1,2]", "application/json", "not a JSON object"),
                Arguments.argumentSet("JSON string", "\"review\"", "application/json", "not a JSON object"),
                Arguments.argumentSet(
                        "not an AdmissionReview kind",
                        "{\"kind\":\"Pod\"}",
                        "application/json",
                        "kind must be AdmissionReview"),
                Arguments.argumentSet(
                        "missing request",
                        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}",
                        "application/json",
                        "request is required"),
                Arguments.argumentSet(
                        "request not an object",
                        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":7}",
                        "application/json",
                        "request is required"),
                Arguments.argumentSet(
                        "missing uid",
                        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{}}",
                        "application/json",
                        "request.uid is required"),
                Arguments.argumentSet(
                        "uid not a string",
                        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":5}}",
                        "application/json",
                        "request.uid is required"),
                Arguments.argumentSet(
                        "deeply nested JSON",
                        "[".repeat(5000) + "]".repeat(5000),
                        "application/json",
                        "not valid JSON"));
    }

    @ParameterizedTest
    @MethodSource("notAReview")
    void answersHttp400WhenTheBodyIsNotAnAdmissionReview(String body, String contentType, String expected) {
        for (String path : new String[] {"/mutate-pods", "/validate-pods"}) {
            Response response = post(path, body, contentType);
            assertThat(response.statusCode())
                    .as("%s status, body %s", path, response.asString())
                    .isEqualTo(400);
            JsonNode status = read(response.asString());
            assertThat(status.path("kind").asText()).isEqualTo("Status");
            assertThat(status.path("message").asText()).as("%s message", path).contains(expected);
            assertNoStackTrace(response.asString());
        }
    }

    static Stream<Arguments> refusedReviews() {
        return Stream.of(
                Arguments.argumentSet(
                        "wrong apiVersion",
                        review(r -> r.put("apiVersion", "admission.k8s.io/v1beta1")),
                        400,
                        "apiVersion \"admission.k8s.io/v1beta1\" is not supported; allowed: admission.k8s.io/v1"),
                Arguments.argumentSet(
                        "missing object",
                        review(r -> request(r).remove("object")),
                        400,
                        "request.object is required for CREATE"),
                Arguments.argumentSet(
                        "object is a string",
                        review(r -> request(r).put("object", "pod")),
                        400,
                        "request.object must be a Pod object"),
                Arguments.argumentSet(
                        "kind other than Pod",
                        review(r -> ((ObjectNode) request(r).path("kind"))
                                .put("group", "apps")
                                .put("kind", "Deployment")),
                        400,
                        "is not reviewed by Ordinal"),
                Arguments.argumentSet(
                        "object kind other than Pod",
                        review(r -> object(r).put("kind", "Service")),
                        400,
                        "request.object.kind \"Service\" is not allowed; allowed: Pod"),
                Arguments.argumentSet(
                        "object does not parse as a Pod",
                        review(r -> object(r).put("spec", "nope")),
                        400,
                        "request.object is not a valid v1 Pod"),
                Arguments.argumentSet(
                        "containers is a number",
                        review(r -> ((ObjectNode) object(r).path("spec")).put("containers", 3)),
                        400,
                        "request.object is not a valid v1 Pod"),
                Arguments.argumentSet(
                        "object without metadata",
                        review(r -> object(r).remove("metadata")),
                        400,
                        "request.object.metadata is required"),
                Arguments.argumentSet(
                        "object without spec",
                        review(r -> object(r).remove("spec")),
                        400,
                        "request.object.spec is required"),
                Arguments.argumentSet(
                        "unknown operation",
                        review(r -> request(r).put("operation", "PATCH")),
                        400,
                        "request.operation \"PATCH\" is not allowed; allowed: CREATE, UPDATE, DELETE, CONNECT"),
                Arguments.argumentSet(
                        "missing namespace",
                        review(r -> request(r).remove("namespace")),
                        400,
                        "request.namespace is required"),
                Arguments.argumentSet(
                        "dryRun not a boolean",
                        review(r -> request(r).put("dryRun", "yes")),
                        400,
                        "request.dryRun must be a boolean"),
                Arguments.argumentSet(
                        "namespace not a namespace name",
                        review(r -> request(r).put("namespace", "Bad Namespace\n")),
                        400,
                        "is not a namespace name; allowed: a DNS-1123 label"),
                // Found by HostileInputTest: null list elements reached the rules as null objects (an internal error).
                Arguments.argumentSet(
                        "null volume",
                        review(r -> ((ObjectNode) object(r).path("spec"))
                                .putArray("volumes")
                                .addNull()),
                        400,
                        "request.object.spec.volumes[0] is null"),
                Arguments.argumentSet(
                        "null scheduling gate",
                        review(r -> ((ObjectNode) object(r).path("spec"))
                                .putArray("schedulingGates")
                                .addNull()),
                        400,
                        "request.object.spec.schedulingGates[0] is null"),
                // The message names the field and what is allowed, never the value (it may be a secret).
                Arguments.argumentSet(
                        "field of the wrong type",
                        review(r -> ((ObjectNode) object(r)
                                        .path("spec")
                                        .path("containers")
                                        .get(0)
                                        .path("ports")
                                        .get(0))
                                .put("containerPort", "hunter2")),
                        400,
                        "request.object.spec.containers[0].ports[0].containerPort has the wrong type or value;"
                                + " allowed: a number"),
                Arguments.argumentSet(
                        "UPDATE without oldObject",
                        review(r -> request(r).put("operation", "UPDATE")),
                        400,
                        "request.oldObject is required for UPDATE"),
                Arguments.argumentSet(
                        "set label not a DNS label",
                        member(p -> p.label(OrdinalKeys.SET_LABEL, "Web_1")),
                        403,
                        "label ordinal.dev/set: value \"Web_1\" cannot name pods"),
                Arguments.argumentSet(
                        "set name starting with a digit needs a service",
                        member(p -> p.label(OrdinalKeys.SET_LABEL, "1web")),
                        403,
                        "annotation ordinal.dev/service is required because the default, the set name \"1web\""),
                Arguments.argumentSet(
                        "explicit name not S-n",
                        member(p -> p.named("frontend-0")),
                        403,
                        "metadata.name \"frontend-0\" is not a name of ordinal set \"web\""),
                Arguments.argumentSet(
                        "explicit name with leading zero", member(p -> p.named("web-01")), 403, "leading zero"),
                Arguments.argumentSet(
                        "explicit ordinal that overflows", member(p -> p.named("web-99999999999")), 403, "overflows"),
                Arguments.argumentSet(
                        "explicit ordinal below start",
                        member(p -> p.named("web-1").annotation(OrdinalKeys.START_ORDINAL_ANNOTATION, "5")),
                        403,
                        "below ordinal.dev/start-ordinal 5"),
                Arguments.argumentSet(
                        "explicit S-n longer than a DNS label",
                        member(p ->
                                p.label(OrdinalKeys.SET_LABEL, "a".repeat(61)).named("a".repeat(61) + "-10")),
                        403,
                        "is 64 characters; allowed: at most 63"),
                Arguments.argumentSet(
                        "unknown ordinal annotation",
                        member(p -> p.annotation("ordinal.dev/odering", "deny")),
                        403,
                        "annotation ordinal.dev/odering is not an Ordinal setting"),
                Arguments.argumentSet(
                        "ephemeral-volumes names no such volume",
                        member(p -> p.annotation(OrdinalKeys.EPHEMERAL_VOLUMES_ANNOTATION, "cache")),
                        403,
                        "annotation ordinal.dev/ephemeral-volumes: \"cache\" is not a generic ephemeral volume"),
                // Issue 11 part 2: the API server never sees the template once Ordinal has made the volume a PVC.
                Arguments.argumentSet(
                        "claim template without accessModes",
                        claimTemplate(spec -> spec.remove("accessModes")),
                        403,
                        "volume \"data\": ephemeral.volumeClaimTemplate.spec.accessModes is required; allowed: one"
                                + " or more of ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod"),
                // fabric8 decodes "lots" as a Quantity, so the rules see it and name it.
                Arguments.argumentSet(
                        "claim template storage not a quantity",
                        claimTemplate(
                                spec -> ((ObjectNode) spec.path("resources").path("requests")).put("storage", "lots")),
                        403,
                        "volume \"data\": ephemeral.volumeClaimTemplate.spec.resources.requests.storage \"lots\" is"
                                + " not a quantity; allowed: a Kubernetes quantity such as 1Gi, 500Mi or 10G"),
                // fabric8 cannot decode "" or "1e3m" at all: the review is refused at decoding, naming the field.
                Arguments.argumentSet(
                        "claim template storage that fabric8 cannot decode",
                        claimTemplate(
                                spec -> ((ObjectNode) spec.path("resources").path("requests")).put("storage", "1e3m")),
                        400,
                        "request.object.spec.volumes[0].ephemeral.volumeClaimTemplate.spec.resources.requests.storage"
                                + " has the wrong type or value; allowed: a quantity such as 1Gi, 500Mi or 10G"),
                Arguments.argumentSet(
                        "claim template storage zero",
                        claimTemplate(
                                spec -> ((ObjectNode) spec.path("resources").path("requests")).put("storage", "0")),
                        403,
                        "requests.storage \"0\" is not greater than zero"),
                Arguments.argumentSet(
                        "claim template volumeMode unknown",
                        claimTemplate(spec -> spec.put("volumeMode", "Raw")),
                        403,
                        "volume \"data\": ephemeral.volumeClaimTemplate.spec.volumeMode \"Raw\" is not supported;"
                                + " allowed: Filesystem, Block"),
                Arguments.argumentSet(
                        "claim template storage class not a subdomain",
                        claimTemplate(spec -> spec.put("storageClassName", "Fast_SSD")),
                        403,
                        "volume \"data\": ephemeral.volumeClaimTemplate.spec.storageClassName \"Fast_SSD\" is not a"
                                + " valid StorageClass name; allowed: a DNS-1123 subdomain"),
                Arguments.argumentSet(
                        "claim-templates not JSON",
                        member(p -> p.annotation(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION, "{oops")),
                        403,
                        "annotation ordinal.dev/claim-templates: value is not a JSON object"));
    }

    @ParameterizedTest
    @MethodSource("refusedReviews")
    void deniesAReviewItCannotAdmitWithTheUidAndASpecificMessage(ObjectNode review, int code, String expected) {
        for (String path : new String[] {"/mutate-pods", "/validate-pods"}) {
            Response response = post(path, review.toString(), "application/json");
            assertThat(response.statusCode())
                    .as("%s HTTP status, body %s", path, response.asString())
                    .isEqualTo(200);
            assertNoStackTrace(response.asString());
            JsonNode answer = read(response.asString()).path("response");
            assertThat(answer.path("uid").asText())
                    .isEqualTo(review.path("request").path("uid").asText());
            assertThat(answer.path("allowed").asBoolean())
                    .as("%s allowed", path)
                    .isFalse();
            assertThat(answer.path("status").path("code").asInt())
                    .as("%s code, got %s", path, answer)
                    .isEqualTo(code);
            assertThat(answer.path("status").path("message").asText())
                    .as("%s message", path)
                    .contains(expected);
            assertThat(answer.has("patch")).isFalse();
        }
    }

    static Stream<Arguments> badAnnotationValues() {
        return Stream.of(
                Arguments.argumentSet(
                        "service not a DNS-1035 label", OrdinalKeys.SERVICE_ANNOTATION, "My_Svc", "DNS-1035 label"),
                Arguments.argumentSet(
                        "policy unknown",
                        OrdinalKeys.POLICY_ANNOTATION,
                        "Ordered",
                        "allowed values: OrderedReady, Parallel"),
                Arguments.argumentSet(
                        "ordering unknown", OrdinalKeys.ORDERING_ANNOTATION, "block", "allowed values: gate, deny"),
                Arguments.argumentSet(
                        "start ordinal negative",
                        OrdinalKeys.START_ORDINAL_ANNOTATION,
                        "-1",
                        "a decimal integer from 0 to 1000000000"),
                Arguments.argumentSet(
                        "start ordinal leading zero",
                        OrdinalKeys.START_ORDINAL_ANNOTATION,
                        "01",
                        "without sign or leading zeros"),
                Arguments.argumentSet(
                        "start ordinal overflow",
                        OrdinalKeys.START_ORDINAL_ANNOTATION,
                        "99999999999",
                        "a decimal integer from 0 to 1000000000"),
                Arguments.argumentSet(
                        "ephemeral volumes with an empty entry",
                        OrdinalKeys.EPHEMERAL_VOLUMES_ANNOTATION,
                        "data,,logs",
                        "comma-separated list of volume names"),
                Arguments.argumentSet(
                        "create-service not a boolean",
                        OrdinalKeys.CREATE_SERVICE_ANNOTATION,
                        "yes",
                        "allowed values: true, false"),
                Arguments.argumentSet(
                        "min-ready-seconds not a number",
                        OrdinalKeys.MIN_READY_SECONDS_ANNOTATION,
                        "10s",
                        "a decimal integer from 0 to 86400"));
    }

    @ParameterizedTest
    @MethodSource("badAnnotationValues")
    void deniesEveryBadAnnotationValueNamingAnnotationValueAndAllowed(String annotation, String value, String allowed) {
        ObjectNode review = member(p -> p.annotation(annotation, value));
        for (String path : new String[] {"/mutate-pods", "/validate-pods"}) {
            JsonNode answer = AdmissionClient.send(path, review);
            assertThat(answer.path("allowed").asBoolean()).isFalse();
            assertThat(answer.path("status").path("code").asInt()).isEqualTo(403);
            assertThat(answer.path("status").path("message").asText())
                    .as("%s message names the annotation, the value and what is allowed", path)
                    .contains("annotation " + annotation)
                    .contains("\"" + value + "\"")
                    .contains(allowed);
        }
    }

    @org.junit.jupiter.api.Test
    void deniesAGeneratedNameThatWouldBeLongerThanADnsLabel() {
        // 61 characters is the longest set name allowed; with start ordinal 10 the first name is 64 characters.
        ObjectNode review = member(p ->
                p.label(OrdinalKeys.SET_LABEL, "a".repeat(61)).annotation(OrdinalKeys.START_ORDINAL_ANNOTATION, "10"));
        JsonNode answer = AdmissionClient.send("/mutate-pods", review);
        assertThat(answer.path("allowed").asBoolean()).isFalse();
        assertThat(answer.path("status").path("code").asInt()).isEqualTo(403);
        assertThat(answer.path("status").path("message").asText()).contains("is 64 characters; allowed: at most 63");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/mutate-pods", "/validate-pods"})
    void deniesAnOversizedReviewWith413AndTheUid(String path) {
        ObjectNode review = member(p -> p.annotation("example.com/blob", "x".repeat(8 * 1024 * 1024)));
        Response response = post(path, review.toString(), "application/json");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode answer = read(response.asString()).path("response");
        assertThat(answer.path("uid").asText())
                .isEqualTo(review.path("request").path("uid").asText());
        assertThat(answer.path("allowed").asBoolean()).isFalse();
        assertThat(answer.path("status").path("code").asInt()).isEqualTo(413);
        assertThat(answer.path("status").path("message").asText()).contains("ordinal.admission.max-review-bytes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/mutate-pods", "/validate-pods"})
    void answers400ForAnOversizedBodyThatIsNoAdmissionReviewEvenWithAUid(String path) {
        // Found by HostileInputTest: the oversized path used to echo any request.uid, whatever the kind.
        String body =
                "{\"kind\":\"Pod\",\"request\":{\"uid\":\"u-1\"},\"padding\":\"" + "x".repeat(8 * 1024 * 1024) + "\"}";
        Response response = post(path, body, "application/json");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(read(response.asString()).path("message").asText()).contains("over Ordinal's limit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/mutate-pods", "/validate-pods"})
    void neverEchoesTheValueOfAFieldOfTheWrongType(String path) {
        ObjectNode review = review(
                r -> ((ObjectNode) object(r).path("spec").path("containers").get(0)).put("env", "hunter2"));
        JsonNode answer = AdmissionClient.send(path, review);
        assertThat(answer.path("status").path("message").asText())
                .contains("request.object.spec.containers[0].env")
                .contains("allowed: a list")
                .doesNotContain("hunter2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/mutate-pods", "/validate-pods"})
    void answers400ForAnOversizedBodyWithNoUid(String path) {
        String body = "{\"padding\":\"" + "x".repeat(8 * 1024 * 1024) + "\"}";
        Response response = post(path, body, "application/json");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(read(response.asString()).path("message").asText()).contains("over Ordinal's limit");
    }

    private static void assertNoStackTrace(String body) {
        assertThat(body).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("dev.ordinal.");
    }

    private static ObjectNode review(Consumer<ObjectNode> edit) {
        ObjectNode review = createReview(PodFixtures.member("web").build(), "bad-input");
        edit.accept(review);
        return review;
    }

    private static ObjectNode member(Consumer<PodFixtures> edit) {
        PodFixtures pod = PodFixtures.member("web");
        edit.accept(pod);
        return createReview(pod.build(), "bad-input");
    }

    /** A member with generic ephemeral volume "data" (1Gi ReadWriteOnce) whose template spec JSON is edited. */
    private static ObjectNode claimTemplate(Consumer<ObjectNode> specEdit) {
        ObjectNode review = member(p -> p.ephemeralVolume("data"));
        specEdit.accept((ObjectNode) object(review)
                .path("spec")
                .path("volumes")
                .get(0)
                .path("ephemeral")
                .path("volumeClaimTemplate")
                .path("spec"));
        return review;
    }

    private static ObjectNode request(ObjectNode review) {
        return (ObjectNode) review.path("request");
    }

    private static ObjectNode object(ObjectNode review) {
        return (ObjectNode) review.path("request").path("object");
    }
}
