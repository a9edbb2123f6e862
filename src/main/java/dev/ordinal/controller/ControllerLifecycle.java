package dev.ordinal.controller;

import dev.ordinal.cluster.ClusterCaches;
import dev.ordinal.cluster.ClusterView;
import dev.ordinal.config.OrdinalConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Runs the application's {@link OrdinalController} when {@code ordinal.controller.enabled}: started on
 * {@link StartupEvent} without blocking startup (election and work run on their own threads), closed on
 * {@link ShutdownEvent}, which releases the Lease. Admission is served by every replica regardless.
 */
@ApplicationScoped
public class ControllerLifecycle {

    private static final Logger LOG = Logger.getLogger(ControllerLifecycle.class);

    @Inject
    KubernetesClient client;

    @Inject
    ClusterCaches caches;

    @Inject
    ClusterView view;

    @Inject
    OrdinalConfig config;

    @Inject
    MeterRegistry registry;

    private volatile OrdinalController controller;

    void onStart(@Observes StartupEvent event) {
        if (!config.controller().enabled()) {
            LOG.info("controller disabled (ordinal.controller.enabled=false); serving admission only");
            return;
        }
        OrdinalController c =
                new OrdinalController(client, reader(), ControllerSettings.from(config), registry, Clock.systemUTC());
        c.start();
        controller = c;
    }

    void onStop(@Observes ShutdownEvent event) {
        OrdinalController c = controller;
        if (c != null) {
            c.close();
        }
    }

    /** What the controller reads: the application's caches (tests inject it to run controllers of their own). */
    @Produces
    @Singleton
    ClusterReader reader() {
        return ClusterReader.of(caches, view);
    }

    /** The running controller; empty when disabled. */
    public Optional<OrdinalController> controller() {
        return Optional.ofNullable(controller);
    }
}
