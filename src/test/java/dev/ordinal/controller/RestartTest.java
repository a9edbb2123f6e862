package dev.ordinal.controller;

import static dev.ordinal.identity.OrdinalKeys.CLAIMS_GATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.plan.ControllerEvent;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** A controller that dies between its two writes leaves work a fresh one finishes from the cluster alone. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class RestartTest {

    @KubernetesTestServer
    KubernetesServer server;

    @Inject
    ClusterReader cacheReader;

    @Test
    void aRestartedControllerFinishesWorkLeftHalfDone() throws InterruptedException {
        String ns = ControllerTestSupport.namespace();
        ControllerTestSupport cluster = new ControllerTestSupport(server.getClient());
        ClusterReader reader = ControllerTestSupport.scoped(cacheReader, ns);
        // The first controller's gate patches fail (an API server error), so it stops after creating the PVC.
        server.expect()
                .patch()
                .withPath("/api/v1/namespaces/" + ns + "/pods/web-0")
                .andReturn(
                        500,
                        new StatusBuilder()
                                .withStatus("Failure")
                                .withCode(500)
                                .withMessage("injected failure")
                                .build())
                .always();
        cluster.create(
                ns,
                new PodBuilder(PodFixtures.stored("web", 0)
                                .gate(CLAIMS_GATE)
                                .annotation(
                                        OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION,
                                        ControllerTestSupport.dataTemplate("1Gi"))
                                .pending()
                                .build())
                        .editSpec()
                        .addNewVolume()
                        .withName("data")
                        .withNewPersistentVolumeClaim("data-web-0", false)
                        .endVolume()
                        .endSpec()
                        .build());

        SimpleMeterRegistry firstMetrics = new SimpleMeterRegistry();
        PersistentVolumeClaim pvc;
        try (OrdinalController first = new OrdinalController(
                server.getClient(),
                reader,
                LeaderElectionTest.settings(ns, "first"),
                firstMetrics,
                Clock.systemUTC())) {
            first.start();
            await().atMost(ControllerTestSupport.TIMEOUT)
                    .until(() -> cluster.claim(ns, "data-web-0").isPresent()
                            && firstMetrics
                                            .counter("ordinal.controller.reconcile.errors")
                                            .count()
                                    >= 1);
            pvc = cluster.claim(ns, "data-web-0").orElseThrow();
            assertThat(cluster.hasGate(ns, "web-0", CLAIMS_GATE))
                    .as("half done: gate still there")
                    .isTrue();
        }
        // A request the first controller sent just before it stopped is still answered after close(); let it get
        // its 500 before the failure injection ends, so only the second controller can lift the gate.
        Thread.sleep(1000);
        server.getKubernetesMockServer().clearExpectations();

        SimpleMeterRegistry secondMetrics = new SimpleMeterRegistry();
        try (OrdinalController second = new OrdinalController(
                server.getClient(),
                reader,
                LeaderElectionTest.settings(ns, "second"),
                secondMetrics,
                Clock.systemUTC())) {
            second.start();
            await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-0", CLAIMS_GATE));
            assertThat(cluster.claims(ns))
                    .as("no second PVC")
                    .singleElement()
                    .satisfies(c -> assertThat(c.getMetadata().getResourceVersion())
                            .isEqualTo(pvc.getMetadata().getResourceVersion()));
            assertThat(secondMetrics
                            .counter("ordinal.controller.claims.created")
                            .count())
                    .isZero();
            await().atMost(ControllerTestSupport.TIMEOUT).untilAsserted(() -> {
                assertThat(cluster.events(ns, "web-0", ControllerEvent.CLAIM_CREATED))
                        .singleElement()
                        .satisfies(e -> assertThat(e.getReportingInstance()).isEqualTo("first"));
                assertThat(cluster.events(ns, "web-0", ControllerEvent.CLAIMS_GATE_RELEASED))
                        .singleElement()
                        .satisfies(e -> assertThat(e.getReportingInstance()).isEqualTo("second"));
            });
        }
    }
}
