package dev.ordinal.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.regex.Pattern;

/**
 * The embedded API server of the demo and the packaged-app ITs: fabric8's {@link KubernetesMockServer} in CRUD
 * mode, plain HTTP on 127.0.0.1 only. It stores, lists (with label and name selectors), watches, and checks
 * {@code resourceVersion} on PUT, and applies JSON Patches with their {@code test} ops; it has no admission, no
 * defaulting and no garbage collection — those live in {@link AdmissionChain} and the loops — except the one
 * admission plugin that acts on the controller's own writes: DefaultStorageClass (see
 * {@link FaithfulCrudDispatcher}).
 */
public final class SimApiServer implements AutoCloseable {

    private final KubernetesMockServer server;
    private final KubernetesClient client;

    private SimApiServer(KubernetesMockServer server) {
        this.server = server;
        this.client = newClient();
    }

    /** Starts a server on a free port of 127.0.0.1. */
    public static SimApiServer start() {
        KubernetesMockServer server = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new FaithfulCrudDispatcher(), false);
        try {
            server.init(InetAddress.getByName("127.0.0.1"), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new SimApiServer(server);
    }

    /** The base URL, e.g. {@code http://127.0.0.1:40123}, for {@code quarkus.kubernetes-client.api-server-url}. */
    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** A client shared by the simulator's loops. */
    public KubernetesClient client() {
        return client;
    }

    /** A new client; close it when done. */
    public KubernetesClient newClient() {
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl(url())
                .withNamespace("default")
                .withTrustCerts(true)
                .withRequestTimeout(10_000)
                .withConnectionTimeout(5_000)
                .withRequestRetryBackoffLimit(0)
                .build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }

    /**
     * The CRUD dispatcher with the DefaultStorageClass admission plugin ({@link #handleCreate}) and one fix: a JSON
     * Patch that cannot be applied (a failed {@code test} op, a path that
     * is not there) makes the stock mock throw, and the request then gets no response at all, so the client waits
     * for its timeout. A real API server answers 422 Unprocessable Entity, and conflict-safe patches rely on that.
     */
    static final class FaithfulCrudDispatcher extends KubernetesCrudDispatcher {

        static final String DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
        static final String BETA_DEFAULT_CLASS_ANNOTATION = "storageclass.beta.kubernetes.io/is-default-class";
        private static final Pattern CLAIM_CREATE =
                Pattern.compile("/api/v1/namespaces/[^/?]+/persistentvolumeclaims(\\?.*)?");
        private static final ObjectMapper MAPPER = new ObjectMapper();

        /**
         * The DefaultStorageClass admission plugin: a claim created without {@code spec.storageClassName} (absent or
         * null; an empty string means "no class" and is kept) gets the default StorageClass, the newest one when
         * several are marked default, and none when there is no default.
         */
        @Override
        public MockResponse handleCreate(RecordedRequest request) {
            if (!CLAIM_CREATE.matcher(request.getPath()).matches()) {
                return super.handleCreate(request);
            }
            JsonNode claim;
            try {
                // getBytes, not getUtf8Body: reading the body through the latter empties it
                claim = MAPPER.readTree(request.getBody().getBytes());
            } catch (IOException | RuntimeException e) {
                return super.handleCreate(request); // the stock handler answers a body it cannot read
            }
            JsonNode spec = claim.path("spec");
            JsonNode storageClass = spec.path("storageClassName");
            String defaultClass = spec.isObject() && (storageClass.isMissingNode() || storageClass.isNull())
                    ? defaultStorageClass()
                    : null;
            if (defaultClass == null) {
                return super.handleCreate(request);
            }
            ((ObjectNode) spec).put("storageClassName", defaultClass);
            return super.handleCreate(new RecordedRequest(
                    request.getHttpVersion(),
                    request.method(),
                    request.getPath(),
                    request.getHeaders(),
                    new Buffer(claim.toString().getBytes(StandardCharsets.UTF_8))));
        }

        private String defaultStorageClass() {
            MockResponse list = handleGet("/apis/storage.k8s.io/v1/storageclasses");
            if (list.code() != 200 || list.getBody() == null) {
                return null;
            }
            String chosen = null;
            String newest = "";
            try {
                for (JsonNode sc : MAPPER.readTree(list.getBody().getBytes()).path("items")) {
                    JsonNode annotations = sc.path("metadata").path("annotations");
                    boolean isDefault = "true"
                                    .equals(annotations
                                            .path(DEFAULT_CLASS_ANNOTATION)
                                            .asText())
                            || "true"
                                    .equals(annotations
                                            .path(BETA_DEFAULT_CLASS_ANNOTATION)
                                            .asText());
                    String created =
                            sc.path("metadata").path("creationTimestamp").asText("");
                    String name = sc.path("metadata").path("name").asText();
                    // GetDefaultClass: the newest, and of equally new ones the first name
                    int age = created.compareTo(newest);
                    if (isDefault && (chosen == null || age > 0 || (age == 0 && name.compareTo(chosen) < 0))) {
                        chosen = name;
                        newest = created;
                    }
                }
            } catch (IOException e) {
                return null;
            }
            return chosen;
        }

        @Override
        public MockResponse handlePatch(RecordedRequest request) {
            try {
                return super.handlePatch(request);
            } catch (RuntimeException e) {
                String message =
                        String.valueOf(e.getMessage()).replace("\\", "\\\\").replace("\"", "\\\"");
                return new MockResponse()
                        .setResponseCode(422)
                        .setBody("{\"apiVersion\":\"v1\",\"kind\":\"Status\","
                                + "\"status\":\"Failure\",\"code\":422,\"reason\":\"Invalid\",\"message\":\"the server rejected"
                                + " our request due to an error in our request: " + message + "\"}");
            }
        }
    }
}
