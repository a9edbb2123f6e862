package dev.ordinal.cluster;

import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.ordinal.config.OrdinalConfig;

/**
 * Readiness is DOWN until every informer cache has synced, and names the ones that lag. It is DOWN again while a
 * decision cache (pods, PVCs) has been disconnected from the API server for longer than
 * {@code ordinal.admission.max-cache-staleness}: such a replica denies every member pod creation anyway, so the
 * webhook Service should send the API server to a replica that still sees the cluster (docs/reliability.md).
 */
@Readiness
@ApplicationScoped
public class CachesSyncedCheck implements HealthCheck {

    @Inject
    ClusterView view;

    @Inject
    OrdinalConfig config;

    @Override
    public HealthCheckResponse call() {
        List<String> lagging = view.unsyncedCaches();
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("ordinal-caches");
        if (!lagging.isEmpty()) {
            return builder.down().withData("waitingFor", String.join(",", lagging)).build();
        }
        ClusterView.Staleness stale = view.staleness();
        Duration bound = config.admission().maxCacheStaleness();
        builder.status(!stale.exceeds(bound));
        if (!stale.disconnected().isEmpty()) {
            builder.withData("disconnected", stale.disconnectedList())
                    .withData("staleSeconds", ClusterView.ceilSeconds(stale.age()))
                    .withData("maxCacheStalenessSeconds", bound.toSeconds());
        }
        return builder.build();
    }
}
