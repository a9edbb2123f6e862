package dev.ordinal.faults;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ordinal.support.AdmissionClient;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A fabric8 CRUD mock API server that a test can stop and start again on the same port: the stored objects live in
 * one dispatcher that outlives every start, so a stop is an outage (connections refused, watches dropped) and a
 * start is the same cluster coming back. It can also answer lists slowly, open a second front-end on the same storage
 * (another API server instance, which a test can cut off alone), and records every answered request.
 */
public final class FaultyApiServer {

    /** One answered request: method, path, HTTP code, and {@code metadata.name} of a POST body (else null). */
    public record Answered(String method, String path, int code, String name) {}

    private static final Pattern LIST =
            Pattern.compile("^/api/v1(/namespaces/[^/]+)?/(pods|persistentvolumeclaims|services)$");

    private final int port;
    private final Map<ServerRequest, Queue<ServerResponse>> responses = new ConcurrentHashMap<>();
    private final KubernetesMixedDispatcher storage = new KubernetesMixedDispatcher(responses);
    private final List<Answered> answered = new CopyOnWriteArrayList<>();
    private final Dispatcher dispatcher = new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String name = postedName(request);
            MockResponse response = storage.dispatch(request);
            String path = request.getPath();
            String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
            boolean watch = path.contains("watch=true");
            Answered answer = new Answered(request.getMethod(), bare, watch ? 101 : response.code(), name);
            if (slowAnswers.test(answer)) {
                // Stored already (the dispatcher ran); only the answer is late, as from an API server that stalls
                // after committing a write.
                response.setBodyDelay(answerDelay);
            }
            if (!watch
                    && "GET".equals(request.getMethod())
                    && LIST.matcher(bare).matches()
                    && !listDelay.isZero()) {
                // Sent later by the mock's own timer (not a blocked event loop): a slow API server, not a dead one.
                response.setBodyDelay(listDelay);
            }
            answered.add(answer);
            return response;
        }
    };
    private volatile Duration listDelay = Duration.ZERO;
    private volatile Predicate<Answered> slowAnswers = a -> false;
    private volatile Duration answerDelay = Duration.ZERO;
    private volatile KubernetesMockServer server;

    FaultyApiServer(int port) {
        this.port = port;
    }

    /** A server on a free loopback port, not started. */
    public static FaultyApiServer onFreePort() {
        return new FaultyApiServer(freePort());
    }

    /** Starts serving on the port (the stored objects are those of before any stop). */
    public synchronized void start() {
        if (server == null) {
            server = frontEnd(port);
        }
    }

    /** Stops serving: connections are refused and open watches drop; the stored objects are kept. */
    public synchronized void stop() {
        if (server != null) {
            server.destroy();
            server = null;
        }
    }

    /** True while serving. */
    public boolean isUp() {
        return server != null;
    }

    /** Lists of pods, PVCs and Services answer {@code delay} late from now on (zero: at once). */
    public void slowLists(Duration delay) {
        listDelay = delay;
    }

    /** Requests that match {@code which} are carried out at once but answered {@code delay} late. */
    public void delayAnswers(Predicate<Answered> which, Duration delay) {
        answerDelay = delay;
        slowAnswers = which;
    }

    /** Another API server in front of the same storage, on a free port, started; stop it alone with destroy(). */
    public KubernetesMockServer secondFrontEnd() {
        return frontEnd(freePort());
    }

    private KubernetesMockServer frontEnd(int p) {
        KubernetesMockServer s =
                new KubernetesMockServer(new Context(), new MockWebServer(), responses, dispatcher, false);
        s.init(InetAddress.getLoopbackAddress(), p);
        return s;
    }

    /** The base URL the application is configured with. */
    public String url() {
        return url(port);
    }

    static String url(int port) {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** A client for this server that fails at once while it is down (no retries), for the test's own calls. */
    public KubernetesClient client() {
        return client(url());
    }

    /** Such a client for {@code url}. */
    public static KubernetesClient client(String url) {
        return new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder()
                        .withMasterUrl(url)
                        .withTrustCerts(true)
                        .withNamespace("test")
                        .withRequestRetryBackoffLimit(0)
                        .withConnectionTimeout(2_000)
                        .withRequestTimeout(5_000)
                        .build())
                .build();
    }

    /** The answered requests that match {@code filter}, in order. */
    public List<Answered> answered(Predicate<Answered> filter) {
        return answered.stream().filter(filter).toList();
    }

    private static String postedName(RecordedRequest request) {
        if (!"POST".equals(request.getMethod())
                || request.getBody() == null
                || request.getBody().size() == 0) {
            return null;
        }
        try {
            JsonNode body = AdmissionClient.read(new String(request.getBody().getBytes(), StandardCharsets.UTF_8));
            JsonNode name = body.path("metadata").path("name");
            return name.isTextual() ? name.asText() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
