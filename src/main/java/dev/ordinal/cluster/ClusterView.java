package dev.ordinal.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.identity.ServiceFacts;
import dev.ordinal.identity.SetSnapshot;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.StartupEvent;

/**
 * The cluster as Ordinal sees it: informers on member pods (label {@code ordinal.dev/set}), PVCs and Services,
 * started at startup (never lazily) and read without API calls. Objects handed out are copies.
 */
@ApplicationScoped
public class ClusterView {

    private static final Logger LOG = Logger.getLogger(ClusterView.class);

    @Inject
    KubernetesClient client;

    private final SetIndex index = new SetIndex();
    private final List<Consumer<SetKey>> setListeners = new CopyOnWriteArrayList<>();
    private SharedIndexInformer<Pod> pods;
    private SharedIndexInformer<PersistentVolumeClaim> claims;
    private SharedIndexInformer<Service> services;

    void onStart(@Observes StartupEvent event) {
        start();
    }

    /** Starts the informers without waiting for them to sync; readiness reports when they have. */
    synchronized void start() {
        if (pods != null) {
            return;
        }
        pods = client.pods().inAnyNamespace().withLabel(OrdinalKeys.SET_LABEL).runnableInformer(0);
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
                    notifySet(was);
                }
                index.upsert(after);
                notifySet(is);
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                index.remove(pod);
                notifySet(SetIndex.keyOf(pod));
            }
        });
        claims = client.persistentVolumeClaims().inAnyNamespace().runnableInformer(0);
        claims.addEventHandler(setsOf(this::claimOwner));
        services = client.services().inAnyNamespace().runnableInformer(0);
        services.addEventHandler(setsOf(this::serviceOwner));
        for (Map.Entry<String, SharedIndexInformer<?>> e : informers().entrySet()) {
            SharedIndexInformer<?> informer = e.getValue();
            // Keep retrying the initial list and any watch failure: an API server that is down at start makes
            // Ordinal unready, not crash-looping (fabric8's default gives up on a failed first list).
            informer.exceptionHandler((started, t) -> {
                LOG.warnf("%s informer: %s; retrying", e.getKey(), t.getMessage());
                return true;
            });
            informer.start().whenComplete((ok, t) -> {
                if (t == null) {
                    LOG.infof("%s informer synced", e.getKey());
                }
            });
        }
    }

    @PreDestroy
    void stop() {
        informers().values().forEach(SharedIndexInformer::stop);
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
            if (!informer.hasSynced()) {
                lagging.add(name);
            }
        });
        return lagging;
    }

    /** True when every cache has completed its first list. */
    public boolean synced() {
        return unsyncedCaches().isEmpty();
    }

    /** The pods-by-set index and this replica's reservations. */
    public SetIndex index() {
        return index;
    }

    /** An immutable view of set {@code key}. */
    public SetSnapshot snapshot(SetKey key) {
        return index.snapshot(key);
    }

    /** True when the PVC {@code namespace/name} is in the cache. */
    public boolean claimExists(String namespace, String name) {
        return claims != null && claims.getStore().getByKey(namespace + "/" + name) != null;
    }

    /** A copy of the cached PVC {@code namespace/name}. */
    public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
        PersistentVolumeClaim pvc = claims == null ? null : claims.getStore().getByKey(namespace + "/" + name);
        return Optional.ofNullable(pvc).map(p -> new PersistentVolumeClaimBuilder(p).build());
    }

    /** A copy of the cached Service {@code namespace/name}. */
    public Optional<Service> service(String namespace, String name) {
        Service svc = services == null ? null : services.getStore().getByKey(namespace + "/" + name);
        return Optional.ofNullable(svc).map(s -> new ServiceBuilder(s).build());
    }

    /** What the rules need to know about Service {@code namespace/name} for set {@code set}. */
    public ServiceFacts serviceFacts(String namespace, String name, String set) {
        Service svc = services == null ? null : services.getStore().getByKey(namespace + "/" + name);
        return ServiceFacts.of(svc, set);
    }

    /** A copy of the cached member pod {@code namespace/name}. */
    public Optional<Pod> pod(String namespace, String name) {
        Pod pod = pods == null ? null : pods.getStore().getByKey(namespace + "/" + name);
        return Optional.ofNullable(pod).map(p -> new PodBuilder(p).build());
    }

    /** Copies of the cached pods of set {@code key}. */
    public List<Pod> pods(SetKey key) {
        List<Pod> result = new ArrayList<>();
        for (String name : index.memberNames(key)) {
            pod(key.namespace(), name).ifPresent(result::add);
        }
        return result;
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

    private SetKey claimOwner(PersistentVolumeClaim pvc) {
        String set = pvc.getMetadata().getLabels() == null ? null
                : pvc.getMetadata().getLabels().get(OrdinalKeys.SET_LABEL);
        return set == null ? null : new SetKey(pvc.getMetadata().getNamespace(), set);
    }

    private SetKey serviceOwner(Service svc) {
        String set = svc.getSpec() == null || svc.getSpec().getSelector() == null ? null
                : svc.getSpec().getSelector().get(OrdinalKeys.SET_LABEL);
        return set == null ? null : new SetKey(svc.getMetadata().getNamespace(), set);
    }

    private <T> ResourceEventHandler<T> setsOf(java.util.function.Function<T, SetKey> owner) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                notifySet(owner.apply(obj));
            }

            @Override
            public void onUpdate(T before, T after) {
                notifySet(owner.apply(after));
            }

            @Override
            public void onDelete(T obj, boolean finalStateUnknown) {
                notifySet(owner.apply(obj));
            }
        };
    }
}
