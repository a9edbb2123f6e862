package dev.ordinal.sim;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.HashMap;

/**
 * The embedded API server of the demo and the packaged-app ITs: fabric8's {@link KubernetesMockServer} in CRUD
 * mode, plain HTTP on 127.0.0.1 only. It stores, lists (with label and name selectors), watches, and checks
 * {@code resourceVersion} on PUT; it has no admission, no defaulting and no garbage collection — those live in
 * {@link AdmissionChain} and the loops.
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
     * The CRUD dispatcher with one fix: a JSON Patch that cannot be applied (a failed {@code test} op, a path that
     * is not there) makes the stock mock throw, and the request then gets no response at all, so the client waits
     * for its timeout. A real API server answers 422 Unprocessable Entity, and conflict-safe patches rely on that.
     */
    static final class FaithfulCrudDispatcher extends KubernetesCrudDispatcher {
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
