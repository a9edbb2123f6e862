package dev.ordinal.support;

import dev.ordinal.sim.AdmissionChain;
import dev.ordinal.sim.KubeletSim;
import dev.ordinal.sim.SimulatedCluster;
import dev.ordinal.sim.WebhookRegistration;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The end-to-end setup as a JUnit extension: a {@link SimulatedCluster} in a fresh namespace around the app Quarkus
 * started (its webhooks in the admission chain) and the mock API server it talks to, made on first use in a test
 * and closed after it. Register it next to the mock server of a {@code @QuarkusTest}:
 *
 * <pre>
 * &#64;KubernetesTestServer
 * KubernetesServer server;
 *
 * &#64;RegisterExtension
 * final E2eCluster e2e = new E2eCluster(() -&gt; server.getClient());
 * </pre>
 */
public final class E2eCluster implements AfterEachCallback {

    /** The committed test certificate: self-signed for localhost/127.0.0.1, so it is its own CA. */
    public static final Path TEST_CA = Path.of("src/test/resources/tls/tls.crt");

    private final Supplier<KubernetesClient> store;
    private SimulatedCluster cluster;

    public E2eCluster(Supplier<KubernetesClient> store) {
        this.store = store;
    }

    /** This test's cluster, with Ordinal's webhooks alone in the chain. */
    public SimulatedCluster cluster() {
        return cluster == null ? withWebhooks(List.of(), List.of()) : cluster;
    }

    /** This test's cluster, with {@code before} and {@code after} around Ordinal's webhooks; once per test. */
    public SimulatedCluster withWebhooks(List<WebhookRegistration> before, List<WebhookRegistration> after) {
        if (cluster != null) {
            throw new IllegalStateException("this test's cluster already exists");
        }
        KubernetesClient client = store.get(); // one client for the chain and the cluster, as before
        AdmissionChain chain = SimulatedCluster.ordinalChain(client, TEST_CA, List.of(webhook()), before, after);
        cluster = new SimulatedCluster(client, chain, namespace(), KubeletSim.Timing.fast());
        return cluster;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    /** The HTTPS base URI of the app under test (the port is random under the test profile). */
    public static URI webhook() {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-ssl-port", Integer.class);
        return URI.create("https://localhost:" + port);
    }

    /** A fresh namespace name. */
    public static String namespace() {
        return "e2e-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
