package dev.ordinal.support;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.zjsonpatch.JsonPatch;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

/** Posts AdmissionReviews to the running app over HTTPS and reads the answers as the API server would. */
public final class AdmissionClient {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private AdmissionClient() {}

    /**
     * The HTTPS port of the app under test. Tests use port 0 (a free port, so parallel builds do not collide);
     * Quarkus publishes the bound port back into this property once started.
     */
    public static int httpsPort() {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("quarkus.http.test-ssl-port", Integer.class);
    }

    /** The management port (health, metrics) of the app under test, published like {@link #httpsPort()}. */
    public static int managementPort() {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("quarkus.management.test-port", Integer.class);
    }

    /** A fixture from {@code src/test/resources/admission/}. */
    public static ObjectNode fixture(String name) {
        try (InputStream in = AdmissionClient.class.getResourceAsStream("/admission/" + name)) {
            return (ObjectNode) MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A CREATE review of {@code pod} in {@code namespace} with a fresh uid. */
    public static ObjectNode createReview(Pod pod, String namespace) {
        return review("CREATE", pod, null, namespace, "system:serviceaccount:kube-system:replicaset-controller", false);
    }

    /** A review as the API server builds it. */
    public static ObjectNode review(
            String operation, Pod pod, Pod oldPod, String namespace, String user, boolean dryRun) {
        ObjectNode review = MAPPER.createObjectNode();
        review.put("apiVersion", "admission.k8s.io/v1");
        review.put("kind", "AdmissionReview");
        ObjectNode request = review.putObject("request");
        request.put("uid", UUID.randomUUID().toString());
        request.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
        request.putObject("resource").put("group", "").put("version", "v1").put("resource", "pods");
        request.put(
                "name",
                pod.getMetadata().getName() == null ? "" : pod.getMetadata().getName());
        request.put("namespace", namespace);
        request.put("operation", operation);
        request.putObject("userInfo").put("username", user);
        request.set("object", MAPPER.valueToTree(pod));
        request.set("oldObject", oldPod == null ? null : MAPPER.valueToTree(oldPod));
        request.put("dryRun", dryRun);
        return review;
    }

    /** POSTs {@code body} to {@code path} as JSON and returns the raw response. */
    public static Response post(String path, String body, String contentType) {
        return given().relaxedHTTPSValidation()
                .baseUri("https://localhost")
                .port(httpsPort())
                .contentType(contentType)
                .body(body.getBytes(StandardCharsets.UTF_8))
                .when()
                .post(path);
    }

    /** POSTs a review and returns the parsed response review after checking HTTP 200 and the uid echo. */
    public static JsonNode send(String path, JsonNode review) {
        Response response = post(path, review.toString(), "application/json");
        assertThat(response.statusCode())
                .as("HTTP status for %s, body %s", path, response.asString())
                .isEqualTo(200);
        JsonNode answer = read(response.asString());
        assertThat(answer.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
        assertThat(answer.path("kind").asText()).isEqualTo("AdmissionReview");
        assertThat(answer.path("response").path("uid").asText())
                .as("uid echo")
                .isEqualTo(review.path("request").path("uid").asText());
        return answer.path("response");
    }

    /** The pod after applying the response's JSON Patch to the review's object (the API server's step). */
    public static JsonNode patched(JsonNode review, JsonNode response) {
        JsonNode object = review.path("request").path("object");
        JsonNode patch = patchOf(response);
        return patch == null ? object : JsonPatch.apply(patch, object);
    }

    /** The decoded JSON Patch of a response, or null when it has none. */
    public static JsonNode patchOf(JsonNode response) {
        if (!response.hasNonNull("patch")) {
            return null;
        }
        assertThat(response.path("patchType").asText()).isEqualTo("JSONPatch");
        return read(new String(Base64.getDecoder().decode(response.path("patch").asText()), StandardCharsets.UTF_8));
    }

    /** Converts JSON to a Pod. */
    public static Pod toPod(JsonNode node) {
        try {
            return MAPPER.treeToValue(node, Pod.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
