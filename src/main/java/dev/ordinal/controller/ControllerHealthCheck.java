package dev.ordinal.controller;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/**
 * Liveness of the controller, with whether this replica is the leader as data. Not leading is healthy: only the
 * leader acts, every replica serves admission, so a follower is never made unready or restarted for it. DOWN only
 * when the controller's worker thread has died, which a restart fixes.
 */
@Liveness
@ApplicationScoped
public class ControllerHealthCheck implements HealthCheck {

    @Inject
    ControllerLifecycle lifecycle;

    @Override
    public HealthCheckResponse call() {
        Optional<OrdinalController> c = lifecycle.controller();
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("ordinal-controller");
        if (c.isEmpty()) {
            return builder.up()
                    .withData("enabled", false)
                    .withData("leader", false)
                    .build();
        }
        OrdinalController controller = c.get();
        return builder.status(controller.workerAlive())
                .withData("enabled", true)
                .withData("leader", controller.isLeader())
                .withData("identity", controller.identity())
                .withData(
                        "lease",
                        controller.settings().leaseNamespace() + "/"
                                + controller.settings().leaseName())
                .build();
    }
}
