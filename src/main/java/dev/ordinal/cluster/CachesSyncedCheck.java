package dev.ordinal.cluster;

import dev.ordinal.identity.CacheHealth;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness is DOWN until every informer cache has synced, and names the ones that lag. It is DOWN again while a
 * decision cache (pods, PVCs) has been disconnected from the API server for longer than
 * {@code ordinal.admission.max-cache-staleness}: such a replica denies every member pod creation anyway, so the
 * webhook Service should send the API server to a replica that still sees the cluster (docs/reliability.md). The
 * rule is {@link CacheHealth#ready()}, the same one admission refuses by.
 */
@Readiness
@ApplicationScoped
public class CachesSyncedCheck implements HealthCheck {

    @Inject
    ClusterCaches caches;

    @Override
    public HealthCheckResponse call() {
        CacheHealth health = caches.health();
        HealthCheckResponseBuilder builder =
                HealthCheckResponse.named("ordinal-caches").status(health.ready());
        if (!health.synced()) {
            return builder.withData("waitingFor", String.join(",", health.unsynced()))
                    .build();
        }
        CacheHealth.Staleness stale = health.staleness();
        if (!stale.disconnected().isEmpty()) {
            builder.withData("disconnected", stale.disconnectedList())
                    .withData("staleSeconds", CacheHealth.ceilSeconds(stale.age()))
                    .withData("maxCacheStalenessSeconds", health.maxStaleness().toSeconds());
        }
        return builder.build();
    }
}
