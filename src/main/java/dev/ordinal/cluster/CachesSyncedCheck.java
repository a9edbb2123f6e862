package dev.ordinal.cluster;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Readiness is DOWN until every informer cache has synced, and names the ones that lag. */
@Readiness
@ApplicationScoped
public class CachesSyncedCheck implements HealthCheck {

    @Inject
    ClusterView view;

    @Override
    public HealthCheckResponse call() {
        List<String> lagging = view.unsyncedCaches();
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("ordinal-caches").status(lagging.isEmpty());
        if (!lagging.isEmpty()) {
            builder.withData("waitingFor", String.join(",", lagging));
        }
        return builder.build();
    }
}
