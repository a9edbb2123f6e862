package dev.ordinal.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.plan.ControllerEvent;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The application's controller creating the headless Service and leaving a user's alone (SPEC §4). */
@QuarkusTest
@TestProfile(ControllerTestProfile.class)
@WithKubernetesTestServer(crud = true)
class ServiceControllerTest {

    /** Longer than a resync period (2s in the profile), so a second create or an edit would show. */
    static final Duration HOLD = Duration.ofMillis(4500);

    @KubernetesTestServer
    KubernetesServer server;

    ControllerTestSupport cluster;
    String ns;

    @BeforeEach
    void setUp() {
        cluster = new ControllerTestSupport(server.getClient());
        ns = ControllerTestSupport.namespace();
    }

    /** {@code web-n} with container "app" (http:80, from the fixture) and a sidecar (http:80 again, 9090). */
    static Pod withSidecar(int n) {
        return new PodBuilder(PodFixtures.stored("web", n).ready().build())
                .editSpec()
                .addToContainers(new ContainerBuilder()
                        .withName("metrics")
                        .withImage("exporter:1")
                        .addNewPort()
                        .withContainerPort(80)
                        .withName("http")
                        .endPort()
                        .addNewPort()
                        .withContainerPort(9090)
                        .endPort()
                        .build())
                .endSpec()
                .build();
    }

    @Test
    void createsTheHeadlessServiceOnceWithThePodsPorts() {
        cluster.create(ns, withSidecar(0));
        cluster.create(ns, withSidecar(1));
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> cluster.service(ns, "web").isPresent());

        Service svc = cluster.service(ns, "web").orElseThrow();
        assertThat(svc.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(svc.getSpec().getSelector()).containsExactlyEntriesOf(Map.of(OrdinalKeys.SET_LABEL, "web"));
        assertThat(svc.getSpec().getPublishNotReadyAddresses()).isTrue();
        assertThat(svc.getMetadata().getLabels())
                .containsEntry(OrdinalKeys.MANAGED_BY_LABEL, "ordinal")
                .containsEntry(OrdinalKeys.SET_LABEL, "web");
        assertThat(svc.getSpec().getPorts())
                .extracting(p -> p.getName() + " " + p.getPort() + "/" + p.getProtocol())
                .containsExactly("http 80/TCP", "tcp-9090 9090/TCP");
        String version = svc.getMetadata().getResourceVersion();

        cluster.notReady(ns, "web-1"); // more set events, and resyncs, must not create or touch it again
        await().during(HOLD)
                .atMost(HOLD.plusSeconds(5))
                .until(() -> version.equals(
                        cluster.service(ns, "web").orElseThrow().getMetadata().getResourceVersion()));
        assertThat(cluster.events(ns, "web", ControllerEvent.SERVICE_CREATED))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.getInvolvedObject().getKind()).isEqualTo("Service");
                    assertThat(e.getCount()).isEqualTo(1);
                });
    }

    @Test
    void leavesAUsersServiceAloneAndWarnsThatItIsNotHeadless() {
        Service mine = server.getClient()
                .services()
                .inNamespace(ns)
                .resource(new ServiceBuilder()
                        .withNewMetadata()
                        .withName("web")
                        .withNamespace(ns)
                        .endMetadata()
                        .withNewSpec()
                        .withClusterIP("10.96.0.10")
                        .withSelector(Map.of("app", "web"))
                        .addNewPort()
                        .withPort(80)
                        .endPort()
                        .endSpec()
                        .build())
                .create();
        cluster.create(ns, PodFixtures.stored("web", 0).ready().build());

        await().atMost(ControllerTestSupport.TIMEOUT).untilAsserted(() -> {
            assertThat(cluster.events(ns, "web-0", ControllerEvent.SERVICE_NOT_HEADLESS))
                    .singleElement()
                    .satisfies(e -> {
                        assertThat(e.getType()).isEqualTo("Warning");
                        assertThat(e.getMessage()).contains("10.96.0.10");
                    });
            assertThat(cluster.events(ns, "web-0", ControllerEvent.SERVICE_SELECTOR_MISMATCH))
                    .hasSize(1);
        });
        await().during(HOLD)
                .atMost(HOLD.plusSeconds(5))
                .until(() -> mine.getMetadata()
                        .getResourceVersion()
                        .equals(cluster.service(ns, "web")
                                .orElseThrow()
                                .getMetadata()
                                .getResourceVersion()));
        Service now = cluster.service(ns, "web").orElseThrow();
        assertThat(now.getSpec().getClusterIP()).isEqualTo("10.96.0.10");
        assertThat(now.getMetadata().getLabels()).isNullOrEmpty();
        assertThat(cluster.events(ns, "web-0", ControllerEvent.SERVICE_NOT_HEADLESS))
                .singleElement()
                .satisfies(e -> assertThat(e.getCount())
                        .as("warned once, not every resync")
                        .isEqualTo(1));
        assertThat(cluster.events(ns, "web", ControllerEvent.SERVICE_CREATED)).isEmpty();
    }

    @Test
    void createsNoServiceWhenCreateServiceIsFalse() {
        cluster.create(
                ns,
                PodFixtures.stored("web", 0)
                        .annotation(OrdinalKeys.CREATE_SERVICE_ANNOTATION, "false")
                        .gate(OrdinalKeys.ORDERED_GATE)
                        .pending()
                        .build());
        // The gate going proves the controller has reconciled the set; no Service may appear afterwards.
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> !cluster.hasGate(ns, "web-0", OrdinalKeys.ORDERED_GATE));
        await().during(HOLD)
                .atMost(HOLD.plusSeconds(5))
                .until(() -> cluster.service(ns, "web").isEmpty());
    }
}
