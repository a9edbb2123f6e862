package dev.ordinal.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Leader election over a {@code coordination.k8s.io} Lease with fabric8's {@code LeaderElector}, kept running for
 * the life of the replica: fabric8's elector ends for good once it loses the lease, so a new one is started (as a
 * candidate again) after the retry period. {@link #close()} cancels it, which releases the lease
 * ({@code releaseOnCancel}) so another replica takes over at once instead of after the lease duration.
 */
final class LeaderElection implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LeaderElection.class);

    private final KubernetesClient client;
    private final ControllerSettings settings;
    private final Runnable onStartLeading;
    private final Runnable onStopLeading;
    private final ScheduledExecutorService scheduler;
    private CompletableFuture<?> running;
    private boolean closed;

    LeaderElection(
            KubernetesClient client,
            ControllerSettings settings,
            Runnable onStartLeading,
            Runnable onStopLeading,
            ScheduledExecutorService scheduler) {
        this.client = client;
        this.settings = settings;
        this.onStartLeading = onStartLeading;
        this.onStopLeading = onStopLeading;
        this.scheduler = scheduler;
    }

    /** Becomes a candidate; returns at once (the elector runs on the client's executor). */
    synchronized void start() {
        if (closed) {
            return;
        }
        LeaderElectionConfig config = new LeaderElectionConfigBuilder()
                .withName(settings.leaseName())
                .withLock(new LeaseLock(settings.leaseNamespace(), settings.leaseName(), settings.identity()))
                .withLeaseDuration(settings.leaseDuration())
                .withRenewDeadline(settings.renewDeadline())
                .withRetryPeriod(settings.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(
                        onStartLeading,
                        onStopLeading,
                        leader -> LOG.infof(
                                "controller leader is now %s (this replica: %s)", leader, settings.identity())))
                .build();
        CompletableFuture<?> future;
        try {
            future = client.leaderElector().withConfig(config).build().start();
        } catch (RuntimeException e) {
            // E.g. timings fabric8 rejects (it wants lease-duration > renew-deadline > 1.2 x retry-period). This runs
            // on a scheduler thread, which would swallow the exception: say it loudly, then stand again later.
            LOG.errorf(
                    e,
                    "cannot run leader election on %s/%s; this replica will not act as controller",
                    settings.leaseNamespace(),
                    settings.leaseName());
            scheduler.schedule(
                    this::start, Math.max(1000, settings.retryPeriod().toMillis()), TimeUnit.MILLISECONDS);
            return;
        }
        running = future;
        future.whenComplete((ok, failure) -> {
            synchronized (this) {
                if (closed || running != future) {
                    return;
                }
            }
            if (failure != null) {
                LOG.warnf(
                        "leader election %s/%s ended: %s; standing again",
                        settings.leaseNamespace(), settings.leaseName(), failure.getMessage());
            } else {
                LOG.infof(
                        "lost the controller lease %s/%s; standing again",
                        settings.leaseNamespace(), settings.leaseName());
            }
            scheduler.schedule(this::start, settings.retryPeriod().toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    /** Stops being a candidate and releases the lease if held (synchronously, so shutdown hands over cleanly). */
    @Override
    public void close() {
        CompletableFuture<?> future;
        synchronized (this) {
            closed = true;
            future = running;
        }
        if (future != null) {
            future.cancel(true);
        }
    }
}
