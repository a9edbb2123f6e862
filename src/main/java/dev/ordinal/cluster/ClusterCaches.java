package dev.ordinal.cluster;

import dev.ordinal.config.OrdinalConfig;
import dev.ordinal.config.OutOfMemoryExit;
import dev.ordinal.identity.CacheHealth;
import dev.ordinal.identity.OrdinalKeys;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The informers and their health: member pods (label {@code ordinal.dev/set}), PVCs and Services, started at startup
 * (never lazily), kept in the pods-by-set index, and watched: whether each has synced, how long each watch has been
 * disconnected from the API server ({@link #staleness()}), and the {@link CacheHealth} measured from both. Reading
 * happens in {@link ClusterView}; nothing here hands objects out.
 */
@ApplicationScoped
public class ClusterCaches {

    private static final Logger LOG = Logger.getLogger(ClusterCaches.class);
    /** How often the watch state of every informer is sampled. */
    static final Duration WATCH_CHECK_PERIOD = Duration.ofSeconds(1);
    /** While an informer keeps failing, at most one WARN line per informer per this period; the rest go to DEBUG. */
    static final Duration FAILURE_LOG_PERIOD = Duration.ofSeconds(30);
    /** An informer still without its first list this long after start gets a WARN line, once per this period. */
    static final Duration SLOW_FIRST_LIST = Duration.ofSeconds(60);

    @Inject
    KubernetesClient client;

    @Inject
    OrdinalConfig config;

    @Inject
    MeterRegistry registry;

    Clock clock = Clock.systemUTC();

    private final SetIndex index = new SetIndex();
    /** Latched by {@link #podIndexCaughtUp()}. */
    private volatile boolean podIndexCaughtUp;

    private final List<Consumer<SetKey>> setListeners = new CopyOnWriteArrayList<>();
    private SharedIndexInformer<Pod> pods;
    private SharedIndexInformer<PersistentVolumeClaim> claims;
    private final ReducedStore<PersistentVolumeClaim, ?> claimStore = CachedFields.claimStore();
    private SharedIndexInformer<Service> services;
    /** Informer name to the last instant its watch was seen connected (only for synced informers). */
    private final Map<String, Instant> lastWatching = new ConcurrentHashMap<>();
    /** Informer name to when it was first seen disconnected beyond the staleness bound (one WARN per outage). */
    private final Map<String, Instant> reportedStale = new ConcurrentHashMap<>();

    private final Map<String, FailureLog> failureLogs = new ConcurrentHashMap<>();
    private Instant startedAt;
    private boolean listsAtOnce;
    /** Informer name to when its slow first list was last reported. */
    private final Map<String, Instant> slowListReported = new ConcurrentHashMap<>();

    private ScheduledExecutorService watchdog;
    private final List<Meter> gauges = new ArrayList<>();

    void onStart(@Observes StartupEvent event) {
        start();
    }

    /**
     * The informers' list page size for {@code ordinal.cache.list-page-size}: null (fabric8 then lists everything at
     * once from the API server's watch cache) for 0.
     */
    static Long listPageSize(int configured) {
        if (configured < 0) {
            throw new IllegalArgumentException(
                    "ordinal.cache.list-page-size must be 0 (one list) or more, got " + configured);
        }
        return configured == 0 ? null : (long) configured;
    }

    /** Starts the informers without waiting for them to sync; readiness reports when they have. */
    synchronized void start() {
        if (pods != null) {
            return;
        }
        Long pageSize = listPageSize(config.cache().listPageSize());
        startedAt = clock.instant();
        listsAtOnce = pageSize == null;
        // Keeps only what Ordinal reads of each pod (CachedFields); the event handlers still get whole objects.
        pods = client.pods()
                .inAnyNamespace()
                .withLabel(OrdinalKeys.SET_LABEL)
                .withLimit(pageSize)
                .runnableInformer(0)
                .itemStore(CachedFields.podStore());
        pods.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                index.upsert(pod);
                notifySet(SetIndex.keyOf(pod));
            }

            @Override
            public void onUpdate(Pod before, Pod after) {
                SetKey was = SetIndex.keyOf(before);
                SetKey is = SetIndex.keyOf(after);
                if (was != null && !was.equals(is)) {
                    index.remove(before);
                }
                index.upsert(after);
                notifyUpdate(was, is, () -> CachedFields.podChangeMatters(before, after));
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                index.remove(pod);
                notifySet(SetIndex.keyOf(pod));
            }
        });
        claims = client.persistentVolumeClaims()
                .inAnyNamespace()
                .withLimit(pageSize)
                .runnableInformer(0)
                .itemStore(claimStore);
        claims.addEventHandler(setsOf(this::claimOwner, CachedFields::claimChangeMatters));
        services = client.services().inAnyNamespace().withLimit(pageSize).runnableInformer(0);
        services.addEventHandler(setsOf(this::serviceOwner, (before, after) -> true));
        for (Map.Entry<String, SharedIndexInformer<?>> e : informers().entrySet()) {
            SharedIndexInformer<?> informer = e.getValue();
            // Keep retrying the initial list and any watch failure: an API server that is down at start makes
            // Ordinal unready, not crash-looping (fabric8's default gives up on a failed first list).
            // fabric8 already backs off between attempts (each list or watch request is retried with exponential
            // backoff inside the HTTP client, then the informer waits 1 s, 2 s, ... 32 s before the next cycle), so
            // there is no retry storm; but it logs every failed cycle with a stack trace. Ordinal's own line is
            // rate-limited to one WARN per informer per FAILURE_LOG_PERIOD, with the count of failures since.
            FailureLog failures = failureLogs.computeIfAbsent(e.getKey(), k -> new FailureLog());
            informer.exceptionHandler((started, t) -> {
                OutOfMemoryExit.haltIfOutOfMemory(t, e.getKey() + " informer");
                failures.failed(e.getKey(), started, t, clock.instant());
                return true;
            });
            // For sizing (README "Sizing"): what the caches hold is what Ordinal's memory grows with.
            gauges.add(Gauge.builder(
                            "ordinal.cache.objects",
                            informer,
                            i -> i.getStore().listKeys().size())
                    .description("Objects in the informer cache of this kind")
                    .tag("kind", e.getKey())
                    .register(registry));
            informer.start().whenComplete((ok, t) -> {
                if (t == null) {
                    lastWatching.put(e.getKey(), clock.instant());
                    LOG.infof("%s informer synced%s", e.getKey(), failures.summary());
                }
            });
        }
        watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ordinal-cache-watchdog");
            t.setDaemon(true);
            return t;
        });
        long period = WATCH_CHECK_PERIOD.toMillis();
        watchdog.scheduleWithFixedDelay(this::checkWatches, period, period, TimeUnit.MILLISECONDS);
        // Expired reservations of sets nobody reviews again, and the entries they kept alive, go away too.
        watchdog.scheduleWithFixedDelay(() -> index.sweep(clock.instant()), 5, 5, TimeUnit.SECONDS);
    }

    @PreDestroy
    void stop() {
        if (watchdog != null) {
            watchdog.shutdownNow();
        }
        // As ControllerMetrics does for its gauge: one left in a registry that outlives these informers (tests start
        // the app several times in one JVM) would be handed back to the next registration, reading the old ones.
        gauges.forEach(registry::remove);
        gauges.clear();
        informers().values().forEach(SharedIndexInformer::stop);
    }

    /**
     * Samples every synced informer's watch: remembers when it was last connected, and logs once per outage when a
     * decision cache has been disconnected for longer than {@code ordinal.admission.max-cache-staleness} and when it
     * is back.
     */
    private void checkWatches() {
        try {
            Instant now = clock.instant();
            reportSlowFirstLists(now);
            Duration bound = config.admission().maxCacheStaleness();
            for (Map.Entry<String, Duration> e : observe(now).entrySet()) {
                String name = e.getKey();
                if (e.getValue().isZero()) {
                    Instant since = reportedStale.remove(name);
                    if (since != null) {
                        LOG.infof(
                                "%s watch reconnected; the cache was stale for %d s",
                                name, Duration.between(since, now).toSeconds());
                    }
                } else if (CacheHealth.DECISION_CACHES.contains(name)
                        && CacheHealth.tooStale(e.getValue(), bound)
                        && reportedStale.putIfAbsent(name, now.minus(e.getValue())) == null) {
                    LOG.warnf(
                            "%s watch disconnected from the API server for %d s (more than "
                                    + "ordinal.admission.max-cache-staleness %d s): denying pod creations of ordinal sets "
                                    + "with a retryable error and reporting not ready until it reconnects",
                            name, CacheHealth.ceilSeconds(e.getValue()), bound.toSeconds());
                }
            }
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: log it and keep sampling.
            LOG.errorf(e, "cannot check the informers' watches");
        }
    }

    /**
     * A first list that neither completes nor fails (a response body that stops mid-way, a list that does not fit in
     * the heap) would otherwise leave the replica unready without a line saying why: fabric8 logs nothing until the
     * list ends, and a failing one already has its own WARN ({@link FailureLog}).
     */
    private void reportSlowFirstLists(Instant now) {
        informers().forEach((name, informer) -> {
            if (informer.hasSynced()) {
                slowListReported.remove(name);
                return;
            }
            String warning = slowFirstListWarning(
                    name,
                    Duration.between(startedAt, now),
                    slowListReported.get(name),
                    now,
                    informer.getStore().listKeys().size(),
                    listsAtOnce);
            if (warning != null) {
                slowListReported.put(name, now);
                LOG.warn(warning);
            }
        });
    }

    /**
     * The WARN line for informer {@code name}, {@code waiting} since start without its first list and last reported at
     * {@code lastReported} (null: never), or null when none is due at {@code now}: from {@link #SLOW_FIRST_LIST} on,
     * then once per that period.
     */
    static String slowFirstListWarning(
            String name, Duration waiting, Instant lastReported, Instant now, int listed, boolean listsAtOnce) {
        if (waiting.compareTo(SLOW_FIRST_LIST) < 0
                || (lastReported != null && now.isBefore(lastReported.plus(SLOW_FIRST_LIST)))) {
            return null;
        }
        return String.format(
                Locale.ROOT,
                "%s informer has not completed its first list after %d s (%d object(s) in the cache so far); "
                        + "readiness stays DOWN until it has%s",
                name,
                waiting.toSeconds(),
                listed,
                listsAtOnce
                        ? ". ordinal.cache.list-page-size=0 asks for every object in one response, which on a large"
                                + " cluster may not fit in the heap: set a page size (README, Sizing)"
                        : "");
    }

    /**
     * Per synced informer, how long its watch has been disconnected at {@code now} (zero while watching). Measured
     * from the last instant it was seen watching, so the figure errs on the stale side by at most one sample period.
     */
    private Map<String, Duration> observe(Instant now) {
        Map<String, Duration> result = new LinkedHashMap<>();
        informers().forEach((name, informer) -> {
            if (!informer.hasSynced()) {
                return;
            }
            if (informer.isWatching()) {
                lastWatching.put(name, now);
                result.put(name, Duration.ZERO);
            } else {
                Instant last = lastWatching.computeIfAbsent(name, n -> now);
                Duration d = Duration.between(last, now);
                result.put(name, d.isNegative() ? Duration.ZERO : d);
            }
        });
        return result;
    }

    /**
     * How stale the caches admission decides from (pods, PVCs) are now: the longest time one of their watches has
     * been disconnected from the API server. {@link CacheHealth.Staleness#age()} is zero while every watch is
     * connected and before the first sync (readiness and admission handle that case on their own).
     */
    public CacheHealth.Staleness staleness() {
        Map<String, Duration> disconnected = new LinkedHashMap<>();
        observe(clock.instant()).forEach((name, d) -> {
            if (!d.isZero()) {
                disconnected.put(name, d);
            }
        });
        Duration age = Duration.ZERO;
        for (String name : CacheHealth.DECISION_CACHES) {
            Duration d = disconnected.getOrDefault(name, Duration.ZERO);
            age = d.compareTo(age) > 0 ? d : age;
        }
        return new CacheHealth.Staleness(age, Map.copyOf(disconnected));
    }

    /** Rate-limits the WARN lines of one failing informer; counts the failures in between. */
    private static final class FailureLog {
        private final AtomicLong failures = new AtomicLong();
        private final AtomicLong suppressed = new AtomicLong();
        private volatile Instant lastWarn;

        void failed(String name, boolean started, Throwable t, Instant now) {
            long n = failures.incrementAndGet();
            Instant last = lastWarn;
            if (last == null || !now.isBefore(last.plus(FAILURE_LOG_PERIOD))) {
                lastWarn = now;
                long skipped = suppressed.getAndSet(0);
                LOG.warnf(
                        "%s informer %s failed (%d failure(s) so far%s): %s; retrying with backoff",
                        name,
                        started ? "relist or watch" : "initial list",
                        n,
                        skipped == 0 ? "" : ", " + skipped + " not logged",
                        t.getMessage());
            } else {
                suppressed.incrementAndGet();
                LOG.debugf("%s informer failed again: %s", name, t.getMessage());
            }
        }

        String summary() {
            long n = failures.get();
            return n == 0 ? "" : " after " + n + " failed attempt(s)";
        }
    }

    private Map<String, SharedIndexInformer<?>> informers() {
        Map<String, SharedIndexInformer<?>> all = new LinkedHashMap<>();
        if (pods != null) {
            all.put("pods", pods);
            all.put("persistentvolumeclaims", claims);
            all.put("services", services);
        }
        return all;
    }

    /** Names of the caches that have not completed their first list yet; empty when all are synced. */
    public List<String> unsyncedCaches() {
        List<String> lagging = new ArrayList<>();
        if (pods == null) {
            return List.of("pods", "persistentvolumeclaims", "services");
        }
        informers().forEach((name, informer) -> {
            if (!informer.hasSynced() || (informer == pods && !podIndexCaughtUp())) {
                lagging.add(name);
            }
        });
        return lagging;
    }

    /**
     * Whether the pods-by-set index has taken in the pod informer's first list. The informer reports synced as soon
     * as its store holds the list, but it hands the pods to the event handler that feeds the index afterwards, on
     * another thread: with 10,000 pods the first reviews after "synced" saw a partial set (a predecessor missing, so
     * a re-invoked pod was gated; a gap that was none). Caught up once the index holds at least as many pods as the
     * store (only a deletion racing the first list could make that true a pod early); checked until it first holds.
     */
    private boolean podIndexCaughtUp() {
        if (podIndexCaughtUp) {
            return true;
        }
        if (index.memberCount() >= pods.getStore().listKeys().size()) {
            podIndexCaughtUp = true;
        }
        return podIndexCaughtUp;
    }

    /** True when every cache has completed its first list. */
    public boolean synced() {
        return unsyncedCaches().isEmpty();
    }

    /** Whether decisions may be taken from the caches now: synced, and not stale beyond the configured bound. */
    public CacheHealth health() {
        if (podIndexCaughtUp && allSyncedAndWatching()) {
            // Every review asks; the general path below builds maps of every informer to find nothing. Its one side
            // effect, noting when each watch was last seen connected, is the watchdog's job every second anyway.
            CacheHealth healthy = this.healthy;
            if (healthy == null) {
                healthy = new CacheHealth(
                        List.of(),
                        new CacheHealth.Staleness(Duration.ZERO, Map.of()),
                        config.admission().maxCacheStaleness());
                this.healthy = healthy;
            }
            return healthy;
        }
        return new CacheHealth(unsyncedCaches(), staleness(), config.admission().maxCacheStaleness());
    }

    /** What {@link #health()} answers while every cache is synced and watching (made on first use). */
    private volatile CacheHealth healthy;

    private boolean allSyncedAndWatching() {
        return pods != null
                && pods.hasSynced()
                && pods.isWatching()
                && claims.hasSynced()
                && claims.isWatching()
                && services.hasSynced()
                && services.isWatching();
    }

    /**
     * The pods-by-set index, for {@link ClusterView} (reading) and {@link IndexReservations} (its reservations,
     * reached through {@link OrdinalReservations}). A method, not a field, so the call goes through the CDI proxy.
     */
    SetIndex index() {
        return index;
    }

    /**
     * The cached member pod {@code namespace/name}, or null: a new pod restored from the reduced store's kept fields
     * on each call ({@link CachedFields}), so no caller shares it. For {@link ClusterView}.
     */
    Pod cachedPod(String namespace, String name) {
        return pods == null ? null : pods.getStore().getByKey(namespace + "/" + name);
    }

    /**
     * The cached PVC {@code namespace/name}, or null: a new claim made from the reduced store's kept fields on each
     * call ({@link CachedFields#reduce(PersistentVolumeClaim)}), so no caller shares it. For {@link ClusterView}.
     */
    PersistentVolumeClaim cachedClaim(String namespace, String name) {
        return claims == null ? null : claims.getStore().getByKey(namespace + "/" + name);
    }

    /** Whether the PVC {@code namespace/name} is cached (no copy made). For {@link ClusterView}. */
    boolean claimCached(String namespace, String name) {
        return claimStore.contains(namespace + "/" + name);
    }

    /** The cached PVCs of {@code namespace}, each made new as {@link #cachedClaim}, from the namespace index. */
    List<PersistentVolumeClaim> cachedClaims(String namespace) {
        return claims == null ? List.of() : claims.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace);
    }

    /** The cached Service {@code namespace/name} itself (not a copy), or null. For {@link ClusterView}. */
    Service cachedService(String namespace, String name) {
        return services == null ? null : services.getStore().getByKey(namespace + "/" + name);
    }

    /** Calls {@code listener} with the set whenever one of its pods, PVCs or its Service changes. */
    public void onSetChange(Consumer<SetKey> listener) {
        setListeners.add(listener);
    }

    private void notifySet(SetKey key) {
        if (key != null) {
            setListeners.forEach(l -> l.accept(key));
        }
    }

    /**
     * After an update that moved an object from set {@code was} to set {@code is}, notifies both; within one set, only
     * when the update {@code matters}.
     */
    private void notifyUpdate(SetKey was, SetKey is, BooleanSupplier matters) {
        if (was != null && !was.equals(is)) {
            notifySet(was);
        }
        if (is != null && (!is.equals(was) || matters.getAsBoolean())) {
            notifySet(is);
        }
    }

    private SetKey claimOwner(PersistentVolumeClaim pvc) {
        String set = pvc.getMetadata().getLabels() == null
                ? null
                : pvc.getMetadata().getLabels().get(OrdinalKeys.SET_LABEL);
        return set == null ? null : new SetKey(pvc.getMetadata().getNamespace(), set);
    }

    private SetKey serviceOwner(Service svc) {
        String set = svc.getSpec() == null || svc.getSpec().getSelector() == null
                ? null
                : svc.getSpec().getSelector().get(OrdinalKeys.SET_LABEL);
        return set == null ? null : new SetKey(svc.getMetadata().getNamespace(), set);
    }

    /** Notifies the set {@code owner} names on every add and delete, and on the updates that {@code matters}. */
    private <T> ResourceEventHandler<T> setsOf(Function<T, SetKey> owner, BiPredicate<T, T> matters) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                notifySet(owner.apply(obj));
            }

            @Override
            public void onUpdate(T before, T after) {
                notifyUpdate(owner.apply(before), owner.apply(after), () -> matters.test(before, after));
            }

            @Override
            public void onDelete(T obj, boolean finalStateUnknown) {
                notifySet(owner.apply(obj));
            }
        };
    }
}
