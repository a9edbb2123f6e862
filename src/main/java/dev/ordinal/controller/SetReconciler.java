package dev.ordinal.controller;

import static dev.ordinal.identity.OrdinalKeys.CLAIMS_GATE;
import static dev.ordinal.identity.OrdinalKeys.ORDERED_GATE;

import dev.ordinal.cluster.SetKey;
import dev.ordinal.identity.ClaimRetention;
import dev.ordinal.identity.Member;
import dev.ordinal.identity.PodNames;
import dev.ordinal.identity.SetSettings;
import dev.ordinal.identity.SetSnapshot;
import dev.ordinal.plan.ClaimPlan;
import dev.ordinal.plan.ClaimUpkeep;
import dev.ordinal.plan.ControllerEvent;
import dev.ordinal.plan.GapHealing;
import dev.ordinal.plan.GatePatch;
import dev.ordinal.plan.HeadlessService;
import dev.ordinal.plan.OrderedStart;
import dev.ordinal.plan.WriteFailure;
import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Reconciles one set (SPEC §4): headless Service, per-ordinal claims, then ordered start. Reads only the caches
 * (through {@link ClusterReader}); every write goes through the fabric8 client and only while this replica leads.
 * Holds no state that correctness depends on: after a restart it resumes from what is in the cluster. The small
 * maps here only avoid duplicate events and acting twice on a pod the cache has not caught up with yet.
 */
final class SetReconciler {

    /** How soon a set is looked at again while the cache lags behind this replica's own write. */
    static final Duration CACHE_LAG_RECHECK = Duration.ofMillis(500);
    /** How soon a set is looked at again while a claim it needs is being deleted. */
    static final Duration TERMINATING_CLAIM_RECHECK = Duration.ofSeconds(5);
    /** How long a write of this replica is remembered while waiting for the cache to show it. */
    static final Duration WRITE_MEMORY = Duration.ofSeconds(30);

    private static final Logger LOG = Logger.getLogger(SetReconciler.class);
    /** Markers for "the write failed" (identity-compared, never written or read). */
    private static final Pod FAILED = new Pod();

    private static final PersistentVolumeClaim FAILED_CLAIM = new PersistentVolumeClaim();
    private static final Service FAILED_SERVICE = new Service();

    private final KubernetesClient client;
    private final ClusterReader reader;
    private final EventRecorder events;
    private final ControllerMetrics metrics;
    private final BooleanSupplier leading;
    private final Clock clock;
    private final Duration reservationTtl;

    /** Per set, per pod uid, per topic: the last wait or warning announced, so it is announced once. */
    private final Map<SetKey, Map<String, Map<String, String>>> announced = new ConcurrentHashMap<>();
    /**
     * Pod uid to the resourceVersions it had before this replica's recent patches of it: the cache is stale while
     * it shows one of them (two patches in one reconcile leave two).
     */
    private final Map<String, Written> patchedPods = new ConcurrentHashMap<>();
    /** PVCs ({@code namespace/name}) this replica created that the cache may not show yet. */
    private final Map<String, Created<PersistentVolumeClaim>> createdClaims = new ConcurrentHashMap<>();
    /**
     * Per set, each gap below a stuck member with the instant this replica first saw it free (gap healing). In memory
     * only: a restarted or newly elected controller starts every gap's wait from zero, which only delays healing.
     */
    private final Map<SetKey, Map<Integer, Instant>> gapFreeSince = new ConcurrentHashMap<>();
    /** PVCs ({@code namespace/name}) this replica patched, with the resourceVersion the cache showed before. */
    private final Map<String, Created<String>> patchedClaims = new ConcurrentHashMap<>();
    /** Finds a set's top-level owner for retention (GETs, only for sets with a Delete policy). */
    private final OwnerResolver owners;
    /** Uids of pods this replica deleted for gap healing, until the cache shows them gone. */
    private final Map<String, Instant> recycled = new ConcurrentHashMap<>();
    /**
     * The writes that failed in the current reconcile (one worker thread calls {@link #reconcile}; its claim work
     * fans out to {@link #claimWorkers}, hence synchronized).
     */
    private final List<Failed> failed = Collections.synchronizedList(new ArrayList<>());
    /**
     * Runs the claim work (create the PVCs, lift {@code ordinal.dev/claims}) of several pods at once. Each pod's
     * work is two to four API calls in a row; done one pod after another, a 100-pod Parallel set with a claim each
     * waited about 0.2 s per pod for its gate on the real control plane and rolled out 1.6× slower than a
     * StatefulSet, whose controller creates claims and pods in concurrent batches (docs/benchmarks.md, rollouts).
     * Idle threads end after a minute.
     */
    private final ThreadPoolExecutor claimWorkers;
    /** Per set, the uids of pods whose claim work runs on its own ({@link #startClaimWork}), until it ends. */
    private final Map<SetKey, Set<String>> claimWorkInFlight = new ConcurrentHashMap<>();
    /**
     * Per set: what claim work running on its own failed with since the set's last reconcile. Its next reconcile
     * reports it (and backs off) instead of passing over the set, so a write that keeps failing is retried with the
     * set's backoff, not at every change.
     */
    private final Map<SetKey, ClaimWorkFailure> claimWorkFailures = new ConcurrentHashMap<>();
    /** Looks at a set again after {@code delay} (the controller's queue, which keeps any backoff). */
    private final BiConsumer<SetKey, Duration> requeue;

    /** Failed writes, or an unexpected error, of claim work that ran on its own. */
    private record ClaimWorkFailure(List<Failed> writes, RuntimeException error) {
        ClaimWorkFailure merge(ClaimWorkFailure other) {
            List<Failed> both = new ArrayList<>(writes);
            both.addAll(other.writes);
            return new ClaimWorkFailure(List.copyOf(both), error != null ? error : other.error);
        }
    }

    /** What one pod's claim work left: the pod as patched (null once it is gone) and when to look again, if ever. */
    private record ClaimWork(String name, Pod pod, Optional<Duration> again) {}

    private record Written(Set<String> staleVersions, Instant at) {}

    private record Created<T>(T object, Instant at) {}

    /** A failed write and the object its Warning Event goes on. */
    record Failed(WriteFailure failure, HasMetadata involved) {}

    /** A write's outcome: done (with the API's answer), not needed (gone, or already made by someone), or failed. */
    private enum Outcome {
        DONE,
        NOT_NEEDED,
        FAILED
    }

    /**
     * Writes of this reconcile failed (any HTTP code, or no answer). The reconcile still did every other write it
     * could; the controller retries the set with backoff, warns and counts (SPEC §7.1 "controller failures back off").
     */
    static final class WriteFailedException extends RuntimeException {
        private final List<Failed> failures;

        WriteFailedException(List<Failed> failures) {
            super(
                    failures.size() + " write(s) failed, first: "
                            + failures.get(0).failure().action() + ": "
                            + failures.get(0).failure().cause(),
                    null,
                    false,
                    false);
            this.failures = List.copyOf(failures);
        }

        List<Failed> failures() {
            return failures;
        }
    }

    /** This replica stopped leading during the reconcile; the rest of it is dropped. */
    static final class NotLeaderException extends RuntimeException {
        NotLeaderException() {
            super("not the leader", null, false, false);
        }
    }

    SetReconciler(
            KubernetesClient client,
            ClusterReader reader,
            EventRecorder events,
            ControllerMetrics metrics,
            BooleanSupplier leading,
            Clock clock,
            Duration reservationTtl,
            int claimConcurrency,
            BiConsumer<SetKey, Duration> requeue) {
        this.requeue = requeue;
        this.reservationTtl = reservationTtl;
        this.client = client;
        this.owners = new OwnerResolver(client);
        this.reader = reader;
        this.events = events;
        this.metrics = metrics;
        this.leading = leading;
        this.clock = clock;
        this.claimWorkers = new ThreadPoolExecutor(
                claimConcurrency, claimConcurrency, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "ordinal-controller-claims");
                    t.setDaemon(true);
                    return t;
                });
        this.claimWorkers.allowCoreThreadTimeOut(true);
    }

    /**
     * Reconciles set {@code key} once. Returns when to look at it again regardless of events (a min-ready hold
     * ending, a lagging cache, a gap about to count as lost), if ever. Throws {@link WriteFailedException} after the
     * pass when writes failed, {@link NotLeaderException} when leadership was lost, and anything else on failure.
     */
    Optional<Duration> reconcile(SetKey key) {
        failed.clear();
        ClaimWorkFailure earlier = claimWorkFailures.remove(key);
        if (earlier != null) {
            if (earlier.error() != null) {
                throw earlier.error();
            }
            throw new WriteFailedException(earlier.writes());
        }
        Optional<Duration> again = pass(key);
        if (!failed.isEmpty()) {
            List<Failed> failures = List.copyOf(failed);
            failed.clear();
            throw new WriteFailedException(failures);
        }
        return again;
    }

    /**
     * True while claim work of {@code key} started by a pass still runs, or has failed and its failure waits for the
     * set's next reconcile: either way that pass's success says nothing about its writes, so the controller keeps the
     * set's failure count (and backoff). The failure is recorded before the work stops running, so work that ends
     * between the two reads is seen by one of them (a CI run counted 9 refused attempts in 6 s, bound 7, when only
     * the running work was asked about).
     */
    boolean claimWorkPending(SetKey key) {
        Set<String> running = claimWorkInFlight.get(key);
        return (running != null && !running.isEmpty()) || claimWorkFailures.containsKey(key);
    }

    /** Drops what claim work reported for the next reconcile: this replica stopped leading, the next leader starts over. */
    void stoppedLeading() {
        claimWorkFailures.clear();
    }

    private Optional<Duration> pass(SetKey key) {
        Instant now = clock.instant();
        forgetOldWrites(now);
        List<Pod> cached = reader.pods(key);
        if (cached.isEmpty()) {
            claimWorkInFlight.computeIfPresent(key, (k, running) -> running.isEmpty() ? null : running);
            announced.remove(key);
            gapFreeSince.remove(key);
            return Optional.empty();
        }
        Map<String, Pod> pods = new LinkedHashMap<>();
        cached.stream()
                .sorted(Comparator.comparingInt(
                        p -> PodNames.ordinalOf(key.set(), p.getMetadata().getName())))
                .forEach(p -> pods.put(p.getMetadata().getName(), p));
        Set<String> uids = new HashSet<>();
        pods.values().forEach(p -> uids.add(uidOf(p)));
        announced.computeIfAbsent(key, k -> new ConcurrentHashMap<>()).keySet().retainAll(uids);

        Set<String> lagging = new HashSet<>();
        for (Pod p : pods.values()) {
            if (cacheLags(p)) {
                lagging.add(p.getMetadata().getName());
            }
        }
        Optional<Duration> again = lagging.isEmpty() ? Optional.empty() : Optional.of(CACHE_LAG_RECHECK);

        Optional<SetSettings> settings = representativeSettings(key, pods.values());
        if (settings.isPresent()) {
            service(key, settings.get(), pods.values());
        }
        again = earliest(again, storageOfAll(key, pods, lagging));

        List<Member> members =
                pods.values().stream().map(p -> Member.of(p, key.set())).toList();
        SetSnapshot snapshot = SetSnapshot.of(key.namespace(), key.set(), members);
        PassReads reads = new PassReads(reader, key.namespace());
        for (Pod pod : List.copyOf(pods.values())) {
            if (!Member.isTerminating(pod)) {
                again = earliest(again, growClaims(key, pod, reads));
            }
        }
        if (settings.isPresent()) {
            again = earliest(again, retention(key, settings.get(), pods, snapshot, reads));
        }
        OrderedStart.Plan plan = OrderedStart.plan(snapshot, now);
        for (OrderedStart.Release r : plan.releases()) {
            Pod pod = pods.get(r.pod());
            if (lagging.contains(r.pod())) {
                continue; // this replica already lifted it; the cache will show that shortly
            }
            Pod updated = removeGate(pod, ORDERED_GATE, failed);
            if (updated != null && updated != FAILED) {
                forget(key, pod, "ordered");
                metrics.gateReleased(ORDERED_GATE);
                record(updated, ControllerEvent.gateReleased(key.set(), r));
                LOG.infof("set %s: released %s of %s", key, ORDERED_GATE, r.pod());
            }
        }
        for (OrderedStart.Wait w : plan.waits()) {
            Pod pod = pods.get(w.pod());
            if (announceWait(key, pod, w)) {
                record(pod, ControllerEvent.waiting(w));
            }
        }
        return earliest(earliest(again, plan.requeueAfter()), healGaps(key, snapshot, pods, now));
    }

    /**
     * Gap healing (SPEC §7.1): updates when each gap below a stuck member was first seen free, recycles the members
     * {@link GapHealing} picks and warns once about those without a controller owner. Returns when a gap becomes lost.
     */
    private Optional<Duration> healGaps(SetKey key, SetSnapshot snapshot, Map<String, Pod> pods, Instant now) {
        recycled.keySet()
                .retainAll(pods.values().stream().map(SetReconciler::uidOf).toList());
        GapHealing.Plan plan = GapHealing.plan(
                snapshot, reader.reserved(key), gapFreeSince.getOrDefault(key, Map.of()), reservationTtl, now);
        if (plan.freeSince().isEmpty()) {
            gapFreeSince.remove(key);
        } else {
            gapFreeSince.put(key, plan.freeSince());
        }
        for (GapHealing.Action action : plan.actions()) {
            Pod pod = pods.get(action.pod());
            if (pod == null || recycled.containsKey(uidOf(pod))) {
                continue; // deleted by this replica already; the cache will show it gone shortly
            }
            if (action instanceof GapHealing.Recycle r) {
                if (deletePod(pod) == Outcome.DONE) {
                    recycled.put(uidOf(pod), now);
                    // The owner's replacement is on its way to this gap through admission and storage, like a
                    // freshly handed-out ordinal: restart the gap's clock, so a pass that runs before the replacement
                    // is seen does not recycle a second member for the same gap.
                    restartGapClock(key, r.gap(), now);
                    metrics.gapRecycled();
                    record(pod, ControllerEvent.gapRecycled(key.set(), key.namespace(), r));
                    LOG.infof(
                            "set %s: deleted %s (owner %s re-creates it): ordinal %d below it has been free for"
                                    + " %d s",
                            key, r.pod(), r.controller(), r.gap(), r.freeFor().toSeconds());
                }
            } else if (action instanceof GapHealing.OwnerMissing o
                    && announce(key, pod, "gap", Integer.toString(o.gap()))) {
                metrics.gapOwnerMissing();
                record(pod, ControllerEvent.gapStuck(key.set(), key.namespace(), o));
                LOG.warnf(
                        "set %s: %s waits for lost ordinal %d and has no controller owner; delete it and create"
                                + " it again (see its Warning Event)",
                        key, o.pod(), o.gap());
            }
        }
        return plan.requeueAfter();
    }

    /**
     * Volume growth (SPEC §7.2): raises the storage request of each existing claim of {@code pod} whose template asks
     * for more, when its StorageClass allows expansion; warns once otherwise, and when the template asks for less.
     */
    private Optional<Duration> growClaims(SetKey key, Pod pod, PassReads reads) {
        String name = pod.getMetadata().getName();
        int n = PodNames.ordinalOf(key.set(), name);
        Optional<Map<String, PersistentVolumeClaimTemplate>> templates = reads.templatesOf(pod);
        if (n < 0 || templates.isEmpty()) {
            return Optional.empty();
        }
        Optional<Duration> again = Optional.empty();
        for (Map.Entry<String, PersistentVolumeClaimTemplate> e :
                templates.get().entrySet()) {
            String claimName = PodNames.claimName(e.getKey(), key.set(), n);
            Optional<PersistentVolumeClaim> cached = reads.claim(claimName);
            if (cached.isEmpty() || cached.get().getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            PersistentVolumeClaim claim = cached.get();
            if (cacheLags(claim)) {
                again = Optional.of(CACHE_LAG_RECHECK);
                continue;
            }
            Quantity wanted = storageOf(
                    e.getValue().getSpec() == null
                            ? null
                            : e.getValue().getSpec().getResources());
            Quantity have =
                    storageOf(claim.getSpec() == null ? null : claim.getSpec().getResources());
            switch (ClaimUpkeep.growth(wanted, have)) {
                case SAME -> forget(key, pod, "grow:" + claimName);
                case SMALLER -> {
                    if (announce(key, pod, "grow:" + claimName, "smaller:" + wanted)) {
                        record(
                                pod,
                                ControllerEvent.claimShrinkRefused(
                                        name, claimName, have.toString(), wanted.toString()));
                    }
                }
                case GROW -> {
                    String storageClass = claim.getSpec().getStorageClassName();
                    StorageClass sc = storageClass == null
                            ? null
                            : client.storage()
                                    .v1()
                                    .storageClasses()
                                    .withName(storageClass)
                                    .get();
                    if (sc == null || !Boolean.TRUE.equals(sc.getAllowVolumeExpansion())) {
                        if (announce(key, pod, "grow:" + claimName, "fixed:" + wanted)) {
                            record(
                                    pod,
                                    ControllerEvent.claimNotExpandable(
                                            name, claimName, storageClass, have.toString(), wanted.toString()));
                        }
                        continue;
                    }
                    String patch = "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":"
                            + Serialization.asJson(claim.getMetadata().getResourceVersion())
                            + "},{\"op\":\"add\",\"path\":\"/spec/resources/requests/storage\",\"value\":"
                            + Serialization.asJson(wanted.toString()) + "}]";
                    if (patchClaim(claim, patch, "storage request " + have + " to " + wanted, pod) == Outcome.DONE) {
                        forget(key, pod, "grow:" + claimName);
                        record(pod, ControllerEvent.claimResized(name, claimName, have.toString(), wanted.toString()));
                        LOG.infof("set %s: raised %s from %s to %s", key, claimName, have, wanted);
                    }
                }
            }
        }
        return again;
    }

    /**
     * Retention (SPEC §7.2, {@code ordinal.dev/pvc-retention}): keeps each claim's ownerReference to the set's
     * top-level owner in step with whenDeleted, and with whenScaled=Delete deletes the claims above the owner's
     * desired size that no pod holds. Nothing to do (and no API read) under Retain/Retain.
     */
    private Optional<Duration> retention(
            SetKey key, SetSettings s, Map<String, Pod> pods, SetSnapshot snapshot, PassReads reads) {
        Set<String> volumes = new TreeSet<>();
        List<Pod> live = new ArrayList<>();
        Map<String, OwnerReference> controllers = new LinkedHashMap<>();
        for (Pod p : pods.values()) {
            reads.templatesOf(p).ifPresent(templates -> volumes.addAll(templates.keySet()));
            if (!Member.isTerminating(p)) {
                live.add(p);
                OwnerReference c = OwnerResolver.controllerOf(p);
                if (c != null) {
                    controllers.put(c.getUid(), c);
                }
            }
        }
        List<ClaimUpkeep.SetClaim> claims = new ArrayList<>();
        for (PersistentVolumeClaim c : reads.claims()) {
            String claimName = c.getMetadata().getName();
            for (String volume : volumes) {
                if (claimName.startsWith(volume + "-")) {
                    int n = PodNames.ordinalOf(key.set(), claimName.substring(volume.length() + 1));
                    if (n >= 0) {
                        claims.add(new ClaimUpkeep.SetClaim(c, n));
                        break;
                    }
                }
            }
        }
        boolean anyOwnerRef = claims.stream()
                .anyMatch(c -> c.claim().getMetadata().getOwnerReferences() != null
                        && !c.claim().getMetadata().getOwnerReferences().isEmpty());
        if (s.retention().equals(ClaimRetention.RETAIN) && !anyOwnerRef) {
            return Optional.empty();
        }
        if (live.isEmpty()) {
            return Optional.empty();
        }
        Optional<ClaimUpkeep.Owner> owner = Optional.empty();
        String problem = null;
        if (controllers.isEmpty()) {
            problem = "its pods have no controller owner (bare pods), so nothing owns the set";
        } else {
            Set<ClaimUpkeep.Owner> tops = new LinkedHashSet<>();
            for (OwnerReference ref : controllers.values()) {
                owners.resolve(key.namespace(), ref).ifPresent(tops::add);
            }
            Set<String> topUids = new HashSet<>();
            tops.forEach(t -> topUids.add(t.uid()));
            if (topUids.size() == 1) {
                owner = Optional.of(tops.iterator().next());
            } else if (topUids.size() > 1) {
                problem = "its pods belong to different top-level owners (" + tops + ")";
            } else {
                return Optional.empty(); // the owner is gone: the garbage collector acts
            }
        }
        if (problem != null) {
            if (!s.retention().equals(ClaimRetention.RETAIN)) {
                for (Pod p : live) {
                    if (announce(key, p, "retention", problem)) {
                        record(
                                p,
                                ControllerEvent.retentionWithoutOwner(
                                        p.getMetadata().getName(), s.retention().toString(), problem));
                    }
                }
            }
            return Optional.empty();
        }
        Optional<Duration> again = Optional.empty();
        ClaimUpkeep.Plan plan = ClaimUpkeep.plan(snapshot, s, owner, claims);
        Pod about = live.get(0);
        for (ClaimUpkeep.Deletion d : plan.deletions()) {
            if (deleteClaim(key.namespace(), d, about) == Outcome.DONE) {
                record(
                        about,
                        ControllerEvent.claimDeleted(
                                d.claim(), d.ordinal(), owner.get().toString(), d.keepBelow()));
                LOG.infof(
                        "set %s: deleted PersistentVolumeClaim %s (whenScaled=Delete, %s keeps ordinals below %d)",
                        key, d.claim(), owner.get(), d.keepBelow());
            }
        }
        for (ClaimUpkeep.OwnerChange change : plan.ownerChanges()) {
            PersistentVolumeClaim claim = change.claim();
            if (cacheLags(claim)) {
                again = Optional.of(CACHE_LAG_RECHECK);
                continue;
            }
            String patch = "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":"
                    + Serialization.asJson(claim.getMetadata().getResourceVersion())
                    + "},{\"op\":\"add\",\"path\":\"/metadata/ownerReferences\",\"value\":"
                    + Serialization.asJson(change.owners()) + "}]";
            if (patchClaim(claim, patch, "ownerReferences", about) == Outcome.DONE) {
                record(
                        about,
                        ControllerEvent.claimRetentionUpdated(
                                claim.getMetadata().getName(),
                                s.retention().toString(),
                                owner.get().toString(),
                                change.added()));
                LOG.infof(
                        "set %s: %s owner %s on PersistentVolumeClaim %s",
                        key,
                        change.added() ? "added" : "removed",
                        owner.get(),
                        claim.getMetadata().getName());
            }
        }
        return again;
    }

    /**
     * True while the cache still shows {@code pod} as it was before one of this replica's recent patches of it; forgets
     * the patches once it shows a newer version.
     */
    private boolean cacheLags(Pod pod) {
        Written w = patchedPods.get(uidOf(pod));
        if (w == null) {
            return false;
        }
        if (w.staleVersions().contains(String.valueOf(pod.getMetadata().getResourceVersion()))) {
            return true;
        }
        patchedPods.remove(uidOf(pod));
        return false;
    }

    /** True while the cache still shows {@code claim} as it was before this replica's last patch of it. */
    private boolean cacheLags(PersistentVolumeClaim claim) {
        String k =
                claim.getMetadata().getNamespace() + "/" + claim.getMetadata().getName();
        Created<String> mine = patchedClaims.get(k);
        if (mine == null) {
            return false;
        }
        if (mine.object().equals(claim.getMetadata().getResourceVersion())) {
            return true;
        }
        patchedClaims.remove(k);
        return false;
    }

    /** JSON-patches {@code claim} (the patch tests its resourceVersion); a 404 or 409/422 conflict is retried later. */
    private Outcome patchClaim(PersistentVolumeClaim claim, String patch, String what, Pod about) {
        ensureLeading();
        String ns = claim.getMetadata().getNamespace();
        String name = claim.getMetadata().getName();
        try {
            client.persistentVolumeClaims()
                    .inNamespace(ns)
                    .resource(claim)
                    .patch(PatchContext.of(PatchType.JSON), patch);
            patchedClaims.put(
                    ns + "/" + name, new Created<>(claim.getMetadata().getResourceVersion(), clock.instant()));
            return Outcome.DONE;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                return Outcome.NOT_NEEDED;
            }
            fail(
                    failed,
                    WriteFailure.Write.PATCH_CLAIM,
                    name,
                    about.getMetadata().getName(),
                    what,
                    e,
                    about);
            return Outcome.FAILED;
        }
    }

    /** Deletes claim {@code d} on condition that it still has its uid; 404 and 409 mean nothing to delete. */
    private Outcome deleteClaim(String ns, ClaimUpkeep.Deletion d, Pod about) {
        ensureLeading();
        DeleteOptions options = new DeleteOptionsBuilder()
                .withApiVersion("v1")
                .withKind("DeleteOptions")
                .withNewPreconditions()
                .withUid(d.uid())
                .endPreconditions()
                .build();
        try {
            String answer =
                    client.raw("/api/v1/namespaces/" + ns + "/persistentvolumeclaims/" + d.claim(), "DELETE", options);
            return answer == null ? Outcome.NOT_NEEDED : Outcome.DONE;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND || e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return Outcome.NOT_NEEDED;
            }
            fail(
                    failed,
                    WriteFailure.Write.DELETE_CLAIM,
                    d.claim(),
                    about.getMetadata().getName(),
                    null,
                    e,
                    about);
            return Outcome.FAILED;
        }
    }

    private static Quantity storageOf(io.fabric8.kubernetes.api.model.VolumeResourceRequirements resources) {
        return resources == null || resources.getRequests() == null
                ? null
                : resources.getRequests().get("storage");
    }

    /** Creates the set's headless Service when missing and allowed; warns on the pods when it is unusable. */
    private void service(SetKey key, SetSettings s, Iterable<Pod> all) {
        List<Pod> live = new ArrayList<>();
        all.forEach(p -> {
            if (!Member.isTerminating(p)) {
                live.add(p);
            }
        });
        if (live.isEmpty()) {
            return;
        }
        Optional<Service> existing = reader.service(key.namespace(), s.service());
        HeadlessService.Check check = HeadlessService.check(existing, key.namespace(), s, live);
        if (check.create().isPresent()) {
            Service created = create(check.create().get(), live.get(0), failed);
            if (created != null && created != FAILED_SERVICE) {
                metrics.serviceCreated();
                record(
                        created,
                        ControllerEvent.serviceCreated(
                                s.service(),
                                s.set(),
                                created.getSpec().getPorts() == null
                                        ? 0
                                        : created.getSpec().getPorts().size()));
                LOG.infof("set %s: created headless Service %s", key, s.service());
            }
            return;
        }
        for (Pod pod : live) {
            for (HeadlessService.Problem problem : HeadlessService.Problem.values()) {
                String topic = "service:" + problem;
                if (!check.problems().contains(problem)) {
                    forget(key, pod, topic);
                    continue;
                }
                if (!announce(key, pod, topic, s.service())) {
                    continue;
                }
                Service svc = existing.get();
                record(
                        pod,
                        problem == HeadlessService.Problem.NOT_HEADLESS
                                ? ControllerEvent.serviceNotHeadless(
                                        s.service(),
                                        svc.getSpec().getClusterIP(),
                                        pod.getMetadata().getName())
                                : ControllerEvent.serviceSelectorMismatch(
                                        s.service(), s.set(), svc.getSpec().getSelector()));
            }
        }
    }

    /**
     * The claim work ({@link #storage}) of every pod not in {@code lagging} that carries the claims gate. A pod that
     * waits for nothing else (no ordered gate: a {@code Parallel} set) has its work started on its own
     * ({@link #startClaimWork}) and this pass does not wait for it: a pod created while earlier pods' claims are being
     * written then gets its claims at once, not after them. A pod that also waits for ordered start has its work done
     * in this pass, concurrently with the others of its kind, so that ordered start, planned after it, can release it
     * in the same pass.
     */
    private Optional<Duration> storageOfAll(SetKey key, Map<String, Pod> pods, Set<String> lagging) {
        List<Pod> inPass = new ArrayList<>();
        for (Pod pod : pods.values()) {
            if (lagging.contains(pod.getMetadata().getName()) || !hasGate(pod, CLAIMS_GATE)) {
                continue;
            }
            if (hasGate(pod, ORDERED_GATE)) {
                inPass.add(pod);
            } else {
                startClaimWork(key, pod);
            }
        }
        Optional<Duration> again = Optional.empty();
        if (inPass.size() == 1) {
            again = took(pods, storage(key, inPass.get(0), failed));
        } else if (!inPass.isEmpty()) {
            List<CompletableFuture<ClaimWork>> work = inPass.stream()
                    .map(pod -> CompletableFuture.supplyAsync(() -> storage(key, pod, failed), claimWorkers))
                    .toList();
            RuntimeException first = null;
            for (CompletableFuture<ClaimWork> w : work) {
                try {
                    again = earliest(again, took(pods, w.join()));
                } catch (CompletionException e) {
                    RuntimeException cause = unwrap(e);
                    // Losing the Lease outranks any other failure: the caller must stop writing.
                    if (first == null || cause instanceof NotLeaderException) {
                        first = cause;
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        }
        return again;
    }

    /** Puts the pod {@code work} left into {@code pods} (removes it once gone); returns when to look again. */
    private static Optional<Duration> took(Map<String, Pod> pods, ClaimWork work) {
        if (work.pod() == null) {
            pods.remove(work.name());
        } else {
            pods.put(work.name(), work.pod());
        }
        return work.again();
    }

    /**
     * Starts {@code pod}'s claim work on {@link #claimWorkers} unless it is already running, and returns at once.
     * When it ends: failed writes (or an error) are kept for the set's next reconcile, which reports them and backs
     * off, and the set is queued for it at once; a claim being deleted queues the set for a later look. A lifted
     * gate needs no queuing: the pod's update reaches the controller through the cache like any other change.
     */
    private void startClaimWork(SetKey key, Pod pod) {
        String uid = uidOf(pod);
        Set<String> running = claimWorkInFlight.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet());
        if (!running.add(uid)) {
            return;
        }
        if (cacheLags(pod) || claimWorkFailures.containsKey(key)) {
            // Its earlier work ended after this pass read the pod. Either that work's patch is in patchedPods by now,
            // and this copy of the pod predates it; or a failure of the set's claim work waits to be reported (both
            // are written before the work stops counting as running): the set's next reconcile reports it and backs
            // off, and starting again now would be an attempt outside the backoff.
            running.remove(uid);
            return;
        }
        List<Failed> writes = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture.supplyAsync(() -> storage(key, pod, writes), claimWorkers)
                .whenComplete((work, thrown) -> {
                    RuntimeException error = thrown == null ? null : unwrap(thrown);
                    boolean report = !(error instanceof NotLeaderException) && (error != null || !writes.isEmpty());
                    if (report) {
                        // Kept before the work stops counting as running: a pass in between must not count as a
                        // success that resets the set's backoff.
                        claimWorkFailures.merge(
                                key, new ClaimWorkFailure(List.copyOf(writes), error), ClaimWorkFailure::merge);
                    }
                    running.remove(uid);
                    if (report) {
                        requeue.accept(key, Duration.ZERO);
                    } else if (error == null && work.again().isPresent()) {
                        requeue.accept(key, work.again().get());
                    }
                });
    }

    /** What claim work failed with: the cause a CompletionException wraps when that is a RuntimeException. */
    private static RuntimeException unwrap(Throwable thrown) {
        Throwable cause =
                thrown instanceof CompletionException && thrown.getCause() != null ? thrown.getCause() : thrown;
        if (cause instanceof RuntimeException r) {
            return r;
        }
        return thrown instanceof RuntimeException r ? r : new IllegalStateException(cause);
    }

    private static boolean hasGate(Pod pod, String gate) {
        return pod.getSpec().getSchedulingGates() != null
                && pod.getSpec().getSchedulingGates().stream().anyMatch(g -> gate.equals(g.getName()));
    }

    /**
     * Creates the missing claims of {@code pod} and lifts its claims gate once all exist; failed writes go to
     * {@code failures}. Returns the pod as patched, and when to look again if a claim is being deleted.
     */
    private ClaimWork storage(SetKey key, Pod pod, List<Failed> failures) {
        String ns = key.namespace();
        String name = pod.getMetadata().getName();
        ClaimPlan.Plan plan = ClaimPlan.plan(pod, key.set(), claim -> cachedOrCreated(ns, claim));
        ClaimWork unchanged = new ClaimWork(name, pod, Optional.empty());
        if (plan instanceof ClaimPlan.Plan.NotGated) {
            return unchanged;
        }
        if (plan instanceof ClaimPlan.Plan.Invalid invalid) {
            if (announce(key, pod, "claims", "invalid")) {
                record(pod, ControllerEvent.claimTemplatesInvalid(name, invalid.reason()));
            }
            return unchanged;
        }
        ClaimPlan.Plan.Claims claims = (ClaimPlan.Plan.Claims) plan;
        boolean createFailed = false;
        for (ClaimPlan.Claim claim : claims.claims()) {
            switch (claim.action()) {
                case CREATE -> {
                    PersistentVolumeClaim created = create(claim.toCreate(), pod, failures);
                    if (created == FAILED_CLAIM) {
                        createFailed = true;
                    } else if (created != null) {
                        createdClaims.put(ns + "/" + claim.name(), new Created<>(created, clock.instant()));
                        metrics.claimCreated();
                        record(pod, ControllerEvent.claimCreated(name, claim));
                        LOG.infof("set %s: created PersistentVolumeClaim %s for %s", key, claim.name(), name);
                    } else if (announce(key, pod, "claim:" + claim.name(), "reused")) {
                        record(pod, ControllerEvent.claimReused(name, claim));
                    }
                }
                case REUSE -> {
                    if (announce(key, pod, "claim:" + claim.name(), "reused")) {
                        record(pod, ControllerEvent.claimReused(name, claim));
                    }
                }
                case TERMINATING -> {
                    if (announce(key, pod, "claim:" + claim.name(), "terminating")) {
                        record(pod, ControllerEvent.claimTerminating(name, claim));
                    }
                }
            }
        }
        if (createFailed) {
            return unchanged; // the gate stays; the set is retried with backoff
        }
        if (!claims.gateReleasable()) {
            return new ClaimWork(name, pod, Optional.of(TERMINATING_CLAIM_RECHECK));
        }
        Pod updated = removeGate(pod, CLAIMS_GATE, failures);
        if (updated == FAILED) {
            return unchanged;
        }
        if (updated != null) {
            metrics.gateReleased(CLAIMS_GATE);
            record(
                    updated,
                    ControllerEvent.claimsGateReleased(
                            name,
                            claims.claims().stream().map(ClaimPlan.Claim::name).toList()));
            LOG.infof("set %s: released %s of %s", key, CLAIMS_GATE, name);
        }
        return new ClaimWork(name, updated, Optional.empty());
    }

    private Optional<PersistentVolumeClaim> cachedOrCreated(String namespace, String name) {
        Optional<PersistentVolumeClaim> cached = reader.claim(namespace, name);
        if (cached.isPresent()) {
            createdClaims.remove(namespace + "/" + name);
            return cached;
        }
        Created<PersistentVolumeClaim> mine = createdClaims.get(namespace + "/" + name);
        return mine == null ? Optional.empty() : Optional.of(mine.object());
    }

    /**
     * Lifts {@code gate} from {@code pod} with a JSON Patch that tests the gate list first. Returns the patched pod,
     * null when the pod is gone (404), or {@link #FAILED} when the API server refused it or did not answer (the
     * failure is recorded for this pass: 409 and 422, a gate list changed meanwhile, included).
     */
    private Pod removeGate(Pod pod, String gate, List<Failed> failures) {
        Optional<String> patch = GatePatch.removal(pod.getSpec().getSchedulingGates(), gate);
        if (patch.isEmpty()) {
            return pod;
        }
        ensureLeading();
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        try {
            // resource(pod), not withName(name): fabric8 would GET the pod first (an extra call and RBAC verb).
            Pod updated =
                    client.pods().inNamespace(ns).resource(pod).patch(PatchContext.of(PatchType.JSON), patch.get());
            String stale = String.valueOf(pod.getMetadata().getResourceVersion());
            patchedPods.merge(uidOf(pod), new Written(Set.of(stale), clock.instant()), (old, neu) -> {
                Set<String> both = new HashSet<>(old.staleVersions());
                both.add(stale);
                return new Written(Set.copyOf(both), neu.at());
            });
            return updated;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                return null;
            }
            fail(failures, WriteFailure.Write.REMOVE_GATE, name, name, gate, e, pod);
            return FAILED;
        }
    }

    /** Restarts the clock of gap {@code gap} of {@code key}: it counts as free from {@code now}. */
    private void restartGapClock(SetKey key, int gap, Instant now) {
        gapFreeSince.computeIfPresent(key, (k, since) -> {
            Map<Integer, Instant> restarted = new HashMap<>(since);
            restarted.put(gap, now);
            return Map.copyOf(restarted);
        });
    }

    /**
     * Creates {@code object}; null when it already exists (409), which callers treat as "someone made it"; the
     * {@code FAILED_…} marker of its type when the API server refused it or did not answer (recorded for this pass,
     * the Warning goes on {@code about}).
     */
    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> T create(T object, Pod about, List<Failed> failures) {
        ensureLeading();
        try {
            return client.resource(object).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return null;
            }
            boolean claim = object instanceof PersistentVolumeClaim;
            fail(
                    failures,
                    claim ? WriteFailure.Write.CREATE_CLAIM : WriteFailure.Write.CREATE_SERVICE,
                    object.getMetadata().getName(),
                    claim ? about.getMetadata().getName() : null,
                    null,
                    e,
                    about);
            return (T) (claim ? FAILED_CLAIM : FAILED_SERVICE);
        }
    }

    /**
     * Deletes {@code pod} on condition that it is still the pod with this uid, so a pod re-created under the same name
     * since the cache saw this one is never deleted. fabric8 7.5's DSL sends only a resourceVersion precondition
     * ({@code lockResourceVersion}), which any status update of the pod would break, so the DeleteOptions (fabric8's
     * model, {@code Preconditions.uid}) go through the client's {@code raw} call. 404 (gone) and 409 (the uid
     * precondition failed: another pod holds the name) mean there is nothing to delete.
     */
    private Outcome deletePod(Pod pod) {
        ensureLeading();
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        DeleteOptions options = new DeleteOptionsBuilder()
                .withApiVersion("v1")
                .withKind("DeleteOptions")
                .withNewPreconditions()
                .withUid(pod.getMetadata().getUid())
                .endPreconditions()
                .build();
        try {
            String answer = client.raw("/api/v1/namespaces/" + ns + "/pods/" + name, "DELETE", options);
            return answer == null ? Outcome.NOT_NEEDED : Outcome.DONE;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND || e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return Outcome.NOT_NEEDED;
            }
            fail(failed, WriteFailure.Write.DELETE_POD, name, name, null, e, pod);
            return Outcome.FAILED;
        }
    }

    private void fail(
            List<Failed> failures,
            WriteFailure.Write write,
            String object,
            String pod,
            String detail,
            KubernetesClientException e,
            HasMetadata involved) {
        String status = e.getStatus() == null ? null : e.getStatus().getReason();
        String message = e.getStatus() != null && e.getStatus().getMessage() != null
                ? e.getStatus().getMessage()
                : e.getMessage();
        failures.add(new Failed(new WriteFailure(write, object, pod, detail, e.getCode(), status, message), involved));
    }

    /**
     * Records an Event in the background, only while leading: a replica that lost the Lease writes nothing, Events
     * included. Never waits for the write, so no gate release queues behind Events.
     */
    private void record(HasMetadata involved, ControllerEvent event) {
        ensureLeading();
        events.submit(involved, event, leading);
    }

    private void ensureLeading() {
        if (!leading.getAsBoolean()) {
            throw new NotLeaderException();
        }
    }

    /** True (and remembered) when {@code value} is new for {@code topic} of {@code pod}: announce it. */
    private boolean announce(SetKey key, Pod pod, String topic, String value) {
        Map<String, String> topics = announced
                .computeIfAbsent(key, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(uidOf(pod), u -> new ConcurrentHashMap<>());
        return !value.equals(topics.put(topic, value));
    }

    /**
     * True (and remembered) when wait {@code w} of {@code pod} is worth an Event: the first wait since its last
     * release, a change of what it waits for (missing, terminating, not yet available), or an awaited ordinal lower
     * than the last one (a predecessor went back). Progress (the awaited ordinal moving up as the set starts) is not
     * announced again: every waiting pod re-announced at every step made Events grow with the square of the set.
     */
    private boolean announceWait(SetKey key, Pod pod, OrderedStart.Wait w) {
        Map<String, String> topics = announced
                .computeIfAbsent(key, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(uidOf(pod), u -> new ConcurrentHashMap<>());
        String kind = switch (w.blocker()) {
            case MISSING -> "missing";
            case TERMINATING -> "terminating";
            case NOT_READY, MIN_READY -> "unavailable";
        };
        String previous = topics.put("ordered", kind + "/" + w.awaited());
        if (previous == null) {
            return true;
        }
        int slash = previous.indexOf('/');
        return !previous.substring(0, slash).equals(kind)
                || w.awaited() < Integer.parseInt(previous.substring(slash + 1));
    }

    private void forget(SetKey key, Pod pod, String topic) {
        Map<String, Map<String, String>> byPod = announced.get(key);
        Map<String, String> topics = byPod == null ? null : byPod.get(uidOf(pod));
        if (topics != null) {
            topics.remove(topic);
        }
    }

    private void forgetOldWrites(Instant now) {
        Instant cutoff = now.minus(WRITE_MEMORY);
        patchedPods.values().removeIf(w -> w.at().isBefore(cutoff));
        createdClaims.values().removeIf(c -> c.at().isBefore(cutoff));
        patchedClaims.values().removeIf(c -> c.at().isBefore(cutoff));
        recycled.values().removeIf(at -> at.isBefore(cutoff));
    }

    /** The settings of the lowest live member with valid settings (all members agree; admission enforces it). */
    private static Optional<SetSettings> representativeSettings(SetKey key, Iterable<Pod> pods) {
        for (Pod p : pods) {
            if (!Member.isTerminating(p)) {
                SetSettings s = Member.of(p, key.set()).settings();
                if (s != null) {
                    return Optional.of(s);
                }
            }
        }
        return Optional.empty();
    }

    private static String uidOf(Pod pod) {
        String uid = pod.getMetadata().getUid();
        return uid == null
                ? pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()
                : uid;
    }

    private static Optional<Duration> earliest(Optional<Duration> a, Optional<Duration> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return a.get().compareTo(b.get()) <= 0 ? a : b;
    }
}
