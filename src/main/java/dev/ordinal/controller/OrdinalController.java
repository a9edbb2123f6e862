package dev.ordinal.controller;

import dev.ordinal.cluster.SetKey;
import dev.ordinal.plan.ControllerEvent;
import dev.ordinal.plan.WriteFailure;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * The Ordinal controller (SPEC §4): one worker thread draining a de-duplicating queue of sets, fed by cache
 * changes and a periodic resync, acting only while this replica holds the Lease. A plain object (no CDI), so a
 * test can run several against one API server; {@link ControllerLifecycle} runs the application's one.
 */
public final class OrdinalController implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(OrdinalController.class);
    private static final Duration POLL = Duration.ofMillis(200);
    /** Delay of the quick retries after a 409 conflict: the cache has usually caught up by then. */
    static final Duration CONFLICT_RETRY = Duration.ofMillis(100);
    /**
     * Consecutive failed reconciles of a set that are retried after {@link #CONFLICT_RETRY} when every failed write
     * was a 409 conflict (an object changed meanwhile). Any other failure, and a conflict that persists, backs off.
     */
    static final int QUICK_CONFLICT_RETRIES = 3;
    /** While a set keeps failing, at most one WARN line per set per this period; the rest go to DEBUG. */
    static final Duration WARN_PERIOD = Duration.ofSeconds(30);

    private static final Duration SYNC_WAIT = Duration.ofSeconds(1);

    private final ClusterReader reader;
    private final ControllerSettings settings;
    private final KubernetesClient writes;
    private final AtomicBoolean leader = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final SetQueue queue = new SetQueue();
    /** Per set: consecutive failed reconciles (reset by a successful one). */
    private final Map<SetKey, Integer> failures = new ConcurrentHashMap<>();
    /** Per set in backoff: when it may be reconciled again; changes and resyncs before then are deferred to it. */
    private final Map<SetKey, Long> notBefore = new ConcurrentHashMap<>();
    /** Per failing set: its rate-limited WARN state. */
    private final Map<SetKey, WarnLog> warnLogs = new ConcurrentHashMap<>();
    /** The identity a SelfSubjectReview reported, once asked (see {@link #identityFor}). */
    private final AtomicReference<String> reviewedIdentity = new AtomicReference<>();

    private final EventRecorder events;
    private final Clock clock;
    private final ControllerMetrics metrics;
    private final SetReconciler reconciler;
    private final ScheduledExecutorService scheduler;
    private final LeaderElection election;
    private final Thread worker;

    /**
     * A controller writing to the API server {@code client} talks to, reading {@code reader}, with meters in
     * {@code registry}. Nothing runs until {@link #start()}.
     */
    public OrdinalController(
            KubernetesClient client,
            ClusterReader reader,
            ControllerSettings settings,
            MeterRegistry registry,
            Clock clock) {
        this.reader = reader;
        this.settings = settings;
        this.writes = withoutRetries(client);
        this.metrics = new ControllerMetrics(registry, leader);
        this.clock = clock;
        this.events = new EventRecorder(writes, settings.identity(), clock);
        this.reconciler = new SetReconciler(
                writes,
                reader,
                events,
                metrics,
                this::isLeader,
                clock,
                settings.reservationTtl(),
                settings.claimConcurrency(),
                this::requeue);
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
                .withConfig(new ConfigBuilder(client.getConfiguration())
                        .withRequestRetryBackoffLimit(0)
                        .build())
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
                enqueue(key);
            }
        });
        worker.start();
        long resync = Math.max(1, settings.resyncPeriod().toMillis());
        scheduler.scheduleWithFixedDelay(this::resync, resync, resync, TimeUnit.MILLISECONDS);
        scheduler.execute(election::start);
        LOG.infof(
                "controller %s started; lease %s/%s",
                settings.identity(), settings.leaseNamespace(), settings.leaseName());
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
        events.close();
        writes.close();
        metrics.close();
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
        LOG.infof(
                "controller %s is the leader of %s/%s",
                settings.identity(), settings.leaseNamespace(), settings.leaseName());
        leader.set(true);
        resync();
    }

    private void stopLeading() {
        if (leader.compareAndSet(true, false)) {
            LOG.infof("controller %s stopped leading", settings.identity());
        }
        queue.clear();
        reconciler.stoppedLeading();
        failures.clear();
        notBefore.clear();
        warnLogs.clear();
    }

    private void resync() {
        if (isLeader()) {
            reader.sets().forEach(this::enqueue);
        }
    }

    /** Queues {@code key} now, or when its backoff ends if it is in one: a change does not cut a backoff short. */
    private void enqueue(SetKey key) {
        enqueueAfter(key, Duration.ZERO);
    }

    /** Queues {@code key} after {@code delay}, or when its backoff ends if that is later. */
    private void enqueueAfter(SetKey key, Duration delay) {
        Duration left = backoffLeft(key);
        queue.addAfter(key, delay.compareTo(left) >= 0 ? delay : left);
    }

    /** What is left of {@code key}'s backoff; zero when it is in none. */
    private Duration backoffLeft(SetKey key) {
        Long at = notBefore.get(key);
        return at == null ? Duration.ZERO : Duration.ofNanos(Math.max(0, at - System.nanoTime()));
    }

    /** The reconciler's way back into the queue (its claim work ended): {@link #enqueueAfter}, only while leading. */
    private void requeue(SetKey key, Duration delay) {
        if (isLeader()) {
            enqueueAfter(key, delay);
        }
    }

    private void retryAfter(SetKey key, Duration delay) {
        notBefore.put(key, System.nanoTime() + delay.toNanos());
        queue.addAfter(key, delay);
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
            Duration left = backoffLeft(key);
            if (!left.isZero()) {
                // Queued during its own failed reconcile, before the backoff was set: wait for the backoff too.
                queue.addAfter(key, left);
                continue;
            }
            if (!reader.synced()) {
                queue.addAfter(key, SYNC_WAIT);
                continue;
            }
            try {
                Optional<Duration> again = metrics.reconcileDuration().recordCallable(() -> reconciler.reconcile(key));
                if (!reconciler.claimWorkPending(key)) {
                    succeeded(key);
                }
                again.ifPresent(d -> queue.addAfter(key, d));
            } catch (SetReconciler.NotLeaderException e) {
                LOG.debugf("set %s: stopped, no longer the leader", key);
            } catch (SetReconciler.WriteFailedException e) {
                writesFailed(key, e.failures());
            } catch (Exception e) {
                int n = failures.merge(key, 1, Integer::sum);
                Duration delay = backoff(n);
                metrics.reconcileError();
                if (warnLogs.computeIfAbsent(key, k -> new WarnLog()).due(clock.instant())) {
                    LOG.errorf(e, "set %s: reconcile failed (attempt %d), retrying in %d ms", key, n, delay.toMillis());
                } else {
                    LOG.debugf("set %s: reconcile failed again (attempt %d): %s", key, n, e.getMessage());
                }
                retryAfter(key, delay);
            }
        }
    }

    private void succeeded(SetKey key) {
        Integer n = failures.remove(key);
        notBefore.remove(key);
        WarnLog log = warnLogs.remove(key);
        if (log != null && log.warned) {
            LOG.infof("set %s: reconciled after %d failed attempt(s)", key, n == null ? 0 : n);
        }
    }

    /**
     * Writes of one reconcile of {@code key} failed. Counted by write and code; a 409 conflict is retried quickly a
     * few times; anything else (403, 422, 5xx, no answer) and a persisting conflict back off exponentially with a
     * WARN line per set per {@link #WARN_PERIOD} and a Warning Event per failed write that got an HTTP answer, on its
     * pod (the recorder turns a repeat into a count increment, and the backoff bounds those to one per attempt).
     */
    private void writesFailed(SetKey key, List<SetReconciler.Failed> failed) {
        int n = failures.merge(key, 1, Integer::sum);
        failed.forEach(f -> metrics.writeFailed(f.failure()));
        metrics.reconcileError();
        WriteFailure first = failed.get(0).failure();
        if (n <= QUICK_CONFLICT_RETRIES
                && failed.stream().allMatch(f -> f.failure().conflict())) {
            LOG.debugf("set %s: %s: %s; reconciling again", key, first.action(), first.cause());
            retryAfter(key, CONFLICT_RETRY);
            return;
        }
        Duration delay = backoff(n);
        WarnLog log = warnLogs.computeIfAbsent(key, k -> new WarnLog());
        if (log.due(clock.instant())) {
            LOG.warnf(
                    "set %s: %s failed: %s: %s (attempt %d%s%s); retrying in %d ms",
                    key,
                    first.action(),
                    first.cause(),
                    first.message(),
                    n,
                    failed.size() > 1 ? ", " + (failed.size() - 1) + " other write(s) failed too" : "",
                    log.suppressed == 0 ? "" : ", " + log.suppressed + " failure(s) not logged since the last WARN",
                    delay.toMillis());
            log.suppressed = 0;
        } else {
            log.suppressed += failed.size();
            LOG.debugf("set %s: %s failed again: %s (attempt %d)", key, first.action(), first.cause(), n);
        }
        for (SetReconciler.Failed f : failed) {
            if (!isLeader()) {
                break; // writes, Events included, only while leading
            }
            if (f.failure().code() <= 0) {
                continue; // no HTTP answer: no API server to take the Event either (the WARN line covers it)
            }
            Optional<String> identity =
                    f.failure().code() == WriteFailure.FORBIDDEN ? identityFor(f.failure()) : Optional.empty();
            events.submit(f.involved(), ControllerEvent.writeFailed(f.failure(), identity), this::isLeader);
        }
        retryAfter(key, delay);
    }

    /**
     * The user the API server authenticated the controller's refused request as. First from the 403 itself: Ordinal's
     * validating webhook and the RBAC authorizer both name the requesting user in their message, exactly as the API
     * server authenticated it, at no cost. Otherwise (another webhook's 403) one authentication.k8s.io/v1
     * SelfSubjectReview, remembered for the life of this controller: every authenticated user may create one
     * (ClusterRole system:basic-user), so it needs no extra RBAC, and unlike the client configuration's username (unset
     * for ServiceAccount token auth, the normal case in a pod) it reports what the API server sees.
     */
    private Optional<String> identityFor(WriteFailure failure) {
        Optional<String> named = WriteFailure.requesterNamedIn(failure.message());
        if (named.isPresent()) {
            return named;
        }
        String known = reviewedIdentity.get();
        if (known != null) {
            return Optional.of(known);
        }
        try {
            SelfSubjectReview review =
                    writes.authentication().v1().selfSubjectReviews().create(new SelfSubjectReview());
            String user = review == null
                            || review.getStatus() == null
                            || review.getStatus().getUserInfo() == null
                    ? null
                    : review.getStatus().getUserInfo().getUsername();
            if (user != null && !user.isBlank()) {
                reviewedIdentity.set(user);
                return Optional.of(user);
            }
        } catch (KubernetesClientException e) {
            LOG.debugf("SelfSubjectReview failed: %s", e.getMessage());
        }
        return Optional.empty();
    }

    /** The WARN rate limit of one failing set (touched only by the worker thread). */
    private static final class WarnLog {
        Instant lastWarn;
        boolean warned;
        int suppressed;

        /** True when a WARN may be logged at {@code now}; remembers it. */
        boolean due(Instant now) {
            if (lastWarn == null || !now.isBefore(lastWarn.plus(WARN_PERIOD))) {
                lastWarn = now;
                warned = true;
                return true;
            }
            return false;
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
