package dev.ordinal.e2e;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;

import dev.ordinal.sim.AdmissionChain;
import dev.ordinal.sim.KubeletSim;
import dev.ordinal.sim.SimulatedCluster;
import dev.ordinal.sim.WebhookRegistration;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Wiring shared by the in-process scenarios: the app Quarkus started, the mock it talks to, a fresh namespace. */
final class E2e {

    /** The committed test certificate: self-signed for localhost/127.0.0.1, so it is its own CA. */
    static final Path TEST_CA = Path.of("src/test/resources/tls/tls.crt");

    private E2e() {
    }

    /** The HTTPS base URI of the app under test (the port is random under {@link E2eProfile}). */
    static URI webhook() {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-ssl-port", Integer.class);
        return URI.create("https://localhost:" + port);
    }

    /** A simulated cluster in a new namespace, with Ordinal's webhooks and {@code otherMutating} after them. */
    static SimulatedCluster cluster(KubernetesClient store, List<WebhookRegistration> before,
            List<WebhookRegistration> after) {
        AdmissionChain chain = SimulatedCluster.ordinalChain(store, TEST_CA, List.of(webhook()), before, after);
        return new SimulatedCluster(store, chain, namespace(), KubeletSim.Timing.fast());
    }

    static SimulatedCluster cluster(KubernetesClient store) {
        return cluster(store, List.of(), List.of());
    }

    static String namespace() {
        return "e2e-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
