package dev.ordinal.sim;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Watches one namespace of the store (pods, PVCs, Services, core v1 Events) and keeps the history of every change
 * it sees. After each pod or PVC step it checks {@link SetInvariants}; violations are kept (the watch thread never
 * throws) and fail any {@link #await}. Tests and the demo read the history: the order pods became Ready, the uids
 * each claim name has had, the events.
 */
public final class ClusterObserver implements AutoCloseable {

    /** What kind of object a step is about. */
    public enum Kind {
        POD,
        CLAIM,
        SERVICE,
        EVENT
    }

    /** One observed change; {@code object} is the new state, or the last state for DELETED. */
    public record Step(int index, Instant at, Kind kind, String action, HasMetadata object, HasMetadata previous) {}

    private final KubernetesClient store;
    private final String namespace;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final Map<String, Pod> pods = new TreeMap<>();
    private final Map<String, PersistentVolumeClaim> claims = new TreeMap<>();
    private final Map<String, Service> services = new TreeMap<>();
    private final List<Event> events = new ArrayList<>();
    private final Set<String> everReady = new HashSet<>();
    private final List<String> readyOrder = new ArrayList<>();
    private final Map<String, List<String>> claimUids = new LinkedHashMap<>();
    private final Map<String, Integer> maxStartingAtOnce = new TreeMap<>();
    private final Set<String> everGated = new HashSet<>();
    private final List<String> violations = new ArrayList<>();
    private final List<Consumer<Step>> listeners = new CopyOnWriteArrayList<>();

    /** Starts watching {@code namespace}; returns once the first lists are in. */
    public ClusterObserver(KubernetesClient store, String namespace) {
        this.store = store;
        this.namespace = namespace;
        informers.add(store.pods().inNamespace(namespace).inform(handler(Kind.POD), 0));
        informers.add(store.persistentVolumeClaims().inNamespace(namespace).inform(handler(Kind.CLAIM), 0));
        informers.add(store.services().inNamespace(namespace).inform(handler(Kind.SERVICE), 0));
        informers.add(store.v1().events().inNamespace(namespace).inform(handler(Kind.EVENT), 0));
    }

    /** Calls {@code listener} on the watch thread for every later step (the demo prints the timeline this way). */
    public void onStep(Consumer<Step> listener) {
        listeners.add(listener);
    }

    private <T extends HasMetadata> ResourceEventHandler<T> handler(Kind kind) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                observe(kind, "ADDED", obj, null);
            }

            @Override
            public void onUpdate(T before, T after) {
                if (!before.getMetadata()
                        .getResourceVersion()
                        .equals(after.getMetadata().getResourceVersion())) {
                    observe(kind, "MODIFIED", after, before);
                }
            }

            @Override
            public void onDelete(T obj, boolean finalStateUnknown) {
                observe(kind, "DELETED", obj, null);
            }
        };
    }

    private void observe(Kind kind, String action, HasMetadata object, HasMetadata ignored) {
        synchronized (this) {
            String name = object.getMetadata().getName();
            HasMetadata previous = switch (kind) {
                case POD -> action.equals("DELETED") ? pods.remove(name) : pods.put(name, (Pod) object);
                case CLAIM ->
                    action.equals("DELETED") ? claims.remove(name) : claims.put(name, (PersistentVolumeClaim) object);
                case SERVICE -> action.equals("DELETED") ? services.remove(name) : services.put(name, (Service) object);
                case EVENT -> {
                    if (action.equals("ADDED")) {
                        events.add((Event) object);
                    }
                    yield null;
                }
            };
            Step step = new Step(steps.size(), Instant.now(), kind, action, object, previous);
            steps.add(step);
            if (kind == Kind.POD) {
                afterPod(step, (Pod) previous, action.equals("DELETED") ? null : (Pod) object);
            } else if (kind == Kind.CLAIM && !action.equals("DELETED")) {
                List<String> uids = claimUids.computeIfAbsent(name, k -> new ArrayList<>());
                if (!uids.contains(object.getMetadata().getUid())) {
                    uids.add(object.getMetadata().getUid());
                }
            }
            // Listeners run under the lock, so an await that a step satisfies returns after they have seen it.
            for (Consumer<Step> l : listeners) {
                l.accept(step);
            }
            notifyAll();
        }
    }

    private void afterPod(Step step, Pod before, Pod after) {
        if (after != null
                && KubeletSim.isReady(after)
                && everReady.add(after.getMetadata().getUid())) {
            readyOrder.add(after.getMetadata().getName());
        }
        if (after != null && SetInvariants.gates(after).contains(dev.ordinal.identity.OrdinalKeys.ORDERED_GATE)) {
            everGated.add(SetInvariants.setOf(after));
        }
        List<String> found = SetInvariants.afterPodStep(pods.values(), before, after, everReady, this::claimExists);
        for (String v : found) {
            violations.add("step " + step.index() + " (" + step.action() + " pod "
                    + step.object().getMetadata().getName() + "): " + v);
        }
        Map<String, Integer> starting = new TreeMap<>();
        for (Pod p : pods.values()) {
            String set = SetInvariants.setOf(p);
            if (set != null
                    && !SetInvariants.isTerminating(p)
                    && !KubeletSim.isReady(p)
                    && !SetInvariants.gates(p).contains(dev.ordinal.identity.OrdinalKeys.ORDERED_GATE)
                    && !everReady.contains(p.getMetadata().getUid())) {
                starting.merge(set, 1, Integer::sum);
            }
        }
        starting.forEach((set, n) -> maxStartingAtOnce.merge(set, n, Math::max));
    }

    /**
     * True when the claim exists in what this observer has seen, or else in the store: PVC and pod changes come
     * over two watches, so a pod can be seen bound an instant before its (older) claim's ADDED arrives.
     */
    private boolean claimExists(String name) {
        return claims.containsKey(name)
                || store.persistentVolumeClaims()
                                .inNamespace(namespace)
                                .withName(name)
                                .get()
                        != null;
    }

    /**
     * Waits until {@code condition} holds of this observer, failing when {@code timeout} passes first or an
     * invariant is violated. The condition runs under the observer's lock: read, don't call the API.
     */
    public synchronized void await(String what, Duration timeout, Predicate<ClusterObserver> condition) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            if (!violations.isEmpty()) {
                throw new AssertionError("invariant violated while waiting for " + what + ":\n  "
                        + String.join("\n  ", violations) + "\n" + dump());
            }
            if (condition.test(this)) {
                return;
            }
            long left = Duration.between(Instant.now(), deadline).toMillis();
            if (left <= 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "\n" + dump());
            }
            try {
                wait(Math.min(left, 100));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what);
            }
        }
    }

    // ----------------------------------------------------------------------------------------- queries

    /** The pods now, by name. */
    public synchronized Map<String, Pod> pods() {
        return Map.copyOf(pods);
    }

    /** The live (not terminating) pods of {@code set} by ordinal. */
    public synchronized Map<Integer, Pod> live(String set) {
        return SetInvariants.liveByOrdinal(pods.values(), set);
    }

    /** True when the live pods of {@code set} are exactly {@code set-0 … set-(n-1)}, all Running and Ready. */
    public synchronized boolean readyExactly(String set, int n) {
        return readyExactly(set, 0, n);
    }

    /** True when the live pods of {@code set} are exactly ordinals {@code start … start+n-1}, all Running and Ready. */
    public synchronized boolean readyExactly(String set, int start, int n) {
        Map<Integer, Pod> live = live(set);
        if (live.size() != n
                || pods.values().stream()
                        .anyMatch(p -> set.equals(SetInvariants.setOf(p)) && SetInvariants.isTerminating(p))) {
            return false;
        }
        for (int k = start; k < start + n; k++) {
            if (!live.containsKey(k) || !KubeletSim.isReady(live.get(k))) {
                return false;
            }
        }
        return true;
    }

    /** The PVCs now, by name. */
    public synchronized Map<String, PersistentVolumeClaim> claims() {
        return Map.copyOf(claims);
    }

    /** The Services now, by name. */
    public synchronized Map<String, Service> services() {
        return Map.copyOf(services);
    }

    /** The uids claim {@code name} has had, in order: one entry means it was never re-created. */
    public synchronized List<String> claimUids(String name) {
        return List.copyOf(claimUids.getOrDefault(name, List.of()));
    }

    /** Pod names in the order they first became Ready (a re-created pod appears again). */
    public synchronized List<String> readyOrder() {
        return List.copyOf(readyOrder);
    }

    /** The most pods of {@code set} seen starting (released, not yet Ready for the first time) at one step. */
    public synchronized int maxStartingAtOnce(String set) {
        return maxStartingAtOnce.getOrDefault(set, 0);
    }

    /** True when some pod of {@code set} has carried {@code ordinal.dev/ordered}. */
    public synchronized boolean everGated(String set) {
        return everGated.contains(set);
    }

    /** Events seen so far, oldest first. */
    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** Events with {@code reason} about object {@code name}. */
    public synchronized List<Event> events(String name, String reason) {
        return events.stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
                .toList();
    }

    /** Every step so far. */
    public synchronized List<Step> steps() {
        return List.copyOf(steps);
    }

    /** Invariant violations so far (empty is good). */
    public synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    /** Pods and claims now plus the last steps, for failure messages. */
    public synchronized String dump() {
        StringBuilder b = new StringBuilder("pods now:\n");
        for (Pod p : pods.values()) {
            b.append("  ").append(Timeline.describe(p)).append('\n');
        }
        b.append("claims now: ").append(claims.keySet()).append('\n').append("last steps:\n");
        for (Step s : steps.subList(Math.max(0, steps.size() - 25), steps.size())) {
            b.append("  ").append(Timeline.line(s, steps.get(0).at())).append('\n');
        }
        return b.toString();
    }

    /** Pods of {@code pods} as a sorted collection of names. */
    public static List<String> names(Collection<Pod> pods) {
        return pods.stream().map(p -> p.getMetadata().getName()).sorted().toList();
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::stop);
    }
}
