package dev.ordinal.support;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.ResumingWatchDispatcher;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/** fabric8's mock API server in CRUD mode, for the packaged app to list and watch outside a {@code @QuarkusTest}. */
public final class MockApiServer {

    /** Held here: java.util.logging keeps loggers weakly, so a level set on one nobody references is soon lost. */
    private static final java.util.logging.Logger MOCK_WEB_SERVER_LOG =
            java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private MockApiServer() {}

    /** Drops the mock web server's INFO line per request (a benchmark's seeding writes tens of thousands). */
    public static void quietRequestLog() {
        MOCK_WEB_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    /** A started CRUD mock API server on a free loopback port. */
    public static KubernetesMockServer crud() {
        return started(new KubernetesCrudDispatcher());
    }

    /**
     * As {@link #crud()}, with watches that start where the client's list ended, as the real API server's do
     * ({@link ResumingWatchDispatcher}): for {@code make bench}, where fabric8's replay of every stored pod to each new
     * watch is work the real API server never makes the app do.
     */
    public static KubernetesMockServer crudResumingWatches() {
        return started(new ResumingWatchDispatcher());
    }

    private static KubernetesMockServer started(KubernetesCrudDispatcher dispatcher) {
        KubernetesMockServer mock =
                new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        mock.init(InetAddress.getLoopbackAddress(), 0);
        return mock;
    }

    /**
     * Stores {@code pod(0)} … {@code pod(count - 1)} in {@code namespace}, eight at a time, creating or replacing
     * each; retried up to five times, since a machine busy with builds can answer later than the client waits.
     */
    public static void seed(KubernetesClient client, String namespace, int count, IntFunction<Pod> pod)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int n = 0; n < count; n++) {
                int ordinal = n;
                futures.add(pool.submit(() -> {
                    Pod p = pod.apply(ordinal);
                    p.getMetadata().setNamespace(namespace);
                    for (int attempt = 1; ; attempt++) {
                        try {
                            client.pods().inNamespace(namespace).resource(p).createOr(existing -> existing.update());
                            return;
                        } catch (RuntimeException e) {
                            if (attempt == 5) {
                                throw e;
                            }
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }
}
