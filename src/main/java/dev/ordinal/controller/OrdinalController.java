package dev.ordinal.controller;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jboss.logging.Logger;

import dev.ordinal.cluster.SetKey;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The Ordinal controller (SPEC §4): one worker thread draining a de-duplicating queue of sets, fed by cache
 * changes and a periodic resync, acting only while this replica holds the Lease. A plain object (no CDI), so a
 * test can run several against one API server; {@link ControllerLifecycle} runs the application's one.
 */
public final class OrdinalController implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(OrdinalController.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CONFLICT_RETRY = Duration.ofMillis(100);
    private static final Duration SYNC_WAIT = Duration.ofSeconds(1);

    private final ClusterReader reader;
    private final ControllerSettings settings;
    private final KubernetesClient writes;
    private final AtomicBoolean leader = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final SetQueue queue = new SetQueue();
    private final Map<SetKey, Integer> failures = new ConcurrentHashMap<>();
    private final ControllerMetrics metrics;
    private final SetReconciler reconciler;
    private final ScheduledExecutorService scheduler;
    private final LeaderElection election;
    private final Thread worker;

    /**
     * A controller writing to the API server {@code client} talks to, reading {@code reader}, with meters in
     * {@code registry}. Nothing runs until {@link #start()}.
     */
    public OrdinalController(KubernetesClient client, ClusterReader reader, ControllerSettings settings,
            MeterRegistry registry, Clock clock) {
        this.reader = reader;
        this.settings = settings;
        this.writes = withoutRetries(client);
        this.metrics = new ControllerMetrics(registry, leader);
        EventRecorder events = new EventRecorder(writes, settings.identity(), clock);
        this.reconciler = new SetReconciler(writes, reader, events, metrics, this::isLeader, clock);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "ordinal-controller-timer"));
        this.election = new LeaderElection(writes, settings, this::startLeading, this::stopLeading, scheduler);
        this.worker = daemon(this::work, "ordinal-controller-worker");
    }

    /**
     * A client for the same API server that does not retry failed requests. fabric8 retries a 5xx or I/O failure
     * up to {@code requestRetryBackoffLimit} times (10) with exponential backoff, inside the call and on its own
     * threads: a gate patch sent while leading could then land some 20 seconds later, after this replica lost the
     * Lease (longer than a lease duration), and the worker would hang on it. Seen against the mock API server in
     * {@code RestartTest}. The work queue retries instead, after re-reading the cluster and only while leading.
     * Built the way quarkus-kubernetes-client builds the application's client (same HTTP client factory).
     */
    static KubernetesClient withoutRetries(KubernetesClient client) {
        return new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0).build())
                .withKubernetesSerialization(client.getKubernetesSerialization())
                .build();
    }

    /** Starts the worker, the resync timer and the election in the background; returns at once. */
    public void start() {
        if (closed.get() || !running.compareAndSet(false, true)) {
            return;
        }
        reader.onSetChange(key -> {
            if (running.get() && leader.get()) {
                queue.add(key);
            }
        });
        worker.start();
        long resync = Math.max(1, settings.resyncPeriod().toMillis());
        scheduler.scheduleWithFixedDelay(this::resync, resync, resync, TimeUnit.MILLISECONDS);
        scheduler.execute(election::start);
        LOG.infof("controller %s started; lease %s/%s", settings.identity(), settings.leaseNamespace(),
                settings.leaseName());
    }

    /** Stops acting, releases the lease if held, and stops the threads. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running.set(false);
        election.close();
        leader.set(false);
        queue.clear();
        scheduler.shutdownNow();
        worker.interrupt();
        try {
            if (worker.isAlive()) {
                worker.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writes.close();
        LOG.infof("controller %s stopped", settings.identity());
    }

    /** True while this replica holds the Lease and acts. */
    public boolean isLeader() {
        return leader.get() && running.get();
    }

    /** True while started and the worker thread is alive. */
    public boolean workerAlive() {
        return running.get() && worker.isAlive();
    }

    /** This replica's identity in the Lease. */
    public String identity() {
        return settings.identity();
    }

    /** The settings this controller runs with. */
    public ControllerSettings settings() {
        return settings;
    }

    private void startLeading() {
        if (!running.get()) {
            return;
        }
        LOG.infof("controller %s is the leader of %s/%s", settings.identity(), settings.leaseNamespace(),
                settings.leaseName());
        leader.set(true);
        resync();
    }

    private void stopLeading() {
        if (leader.compareAndSet(true, false)) {
            LOG.infof("controller %s stopped leading", settings.identity());
        }
        queue.clear();
        failures.clear();
    }

    private void resync() {
        if (isLeader()) {
            reader.sets().forEach(queue::add);
        }
    }

    private void work() {
        while (running.get()) {
            Optional<SetKey> next;
            try {
                next = queue.poll(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (next.isEmpty() || !isLeader()) {
                continue;
            }
            SetKey key = next.get();
            if (!reader.synced()) {
                queue.addAfter(key, SYNC_WAIT);
                continue;
            }
            try {
                Optional<Duration> again = metrics.reconcileDuration().recordCallable(() -> reconciler.reconcile(key));
                failures.remove(key);
                again.ifPresent(d -> queue.addAfter(key, d));
            } catch (SetReconciler.NotLeaderException e) {
                LOG.debugf("set %s: stopped, no longer the leader", key);
            } catch (SetReconciler.ConflictException e) {
                LOG.debugf("set %s: %s; reconciling again", key, e.getMessage());
                queue.addAfter(key, CONFLICT_RETRY);
            } catch (Exception e) {
                int n = failures.merge(key, 1, Integer::sum);
                Duration delay = backoff(n);
                metrics.reconcileError();
                LOG.errorf(e, "set %s: reconcile failed (attempt %d), retrying in %d ms", key, n, delay.toMillis());
                queue.addAfter(key, delay);
            }
        }
    }

    /** Delay before retry {@code attempt} (from 1): doubling from the initial backoff, capped. */
    Duration backoff(int attempt) {
        Duration d = settings.backoffInitial();
        for (int i = 1; i < attempt && d.compareTo(settings.backoffMax()) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(settings.backoffMax()) > 0 ? settings.backoffMax() : d;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
