package dev.ordinal.bench;

import dev.ordinal.cluster.CachedFields;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.function.Function;

/**
 * Heap retained per cached pod by the pod informer's item store: fabric8's default (whole objects) against
 * {@link CachedFields#podStore}. Fills each store with {@code N} realistic pods (PodFixtures.realistic, parsed from
 * JSON as the informer receives them) and reports the heap used after GC, minus the empty baseline, divided by N.
 * Run alone: {@code java -cp $(TEST_CP) dev.ordinal.bench.CacheFootprint [pods]}.
 */
public final class CacheFootprint {

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        KubernetesSerialization serialization = new KubernetesSerialization();
        PodFixtures.realistic("warm", "up", 0); // load the classes outside the measurement
        long full = perPod(
                "whole objects (fabric8 default)",
                n,
                s -> new BasicItemStore<>(Cache::metaNamespaceKeyFunc),
                serialization);
        long reduced = perPod("reduced (CachedFields.POD)", n, CachedFields::podStore, serialization);
        System.out.printf(
                "saving: %d bytes per pod (%.0f%%); %.1f MiB for %d pods%n",
                full - reduced, 100.0 * (full - reduced) / full, (full - reduced) * (double) n / (1 << 20), n);
        // PVCs and Services are kept whole: at most one PVC per claim template and pod, one Service per set.
        whole("PVC (whole, as cached)", n, "/cache/realistic-pvc.json", PersistentVolumeClaim.class, serialization);
        whole("Service (whole, as cached)", n, "/cache/realistic-service.json", Service.class, serialization);
    }

    private static <T extends HasMetadata> void whole(
            String label, int n, String resource, Class<T> type, KubernetesSerialization serialization) {
        String json;
        try (java.io.InputStream in = CacheFootprint.class.getResourceAsStream(resource)) {
            json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        long before = usedAfterGc();
        ItemStore<T> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
        for (int i = 0; i < n; i++) {
            T item = serialization.unmarshal(
                    json.replace("SET", "set-" + (i / 100))
                            .replace("ORD", Integer.toString(i % 100))
                            .replace("NS", "ns-" + (i % 50))
                            .replace("UID", "uid-" + i)
                            .replace("RV", Integer.toString(i)),
                    type);
            store.put(store.getKey(item), item);
        }
        long after = usedAfterGc();
        System.out.printf(
                "%-34s %,d objects: %,d bytes per object%n", label, store.size(), (after - before) / store.size());
    }

    private static long perPod(
            String label,
            int n,
            Function<KubernetesSerialization, ItemStore<Pod>> make,
            KubernetesSerialization serialization) {
        long before = usedAfterGc();
        ItemStore<Pod> store = make.apply(serialization);
        for (int i = 0; i < n; i++) {
            Pod pod = PodFixtures.realistic("ns-" + (i % 50), "set-" + (i / 100), i % 100);
            store.put(store.getKey(pod), pod);
        }
        long after = usedAfterGc();
        long perPod = (after - before) / n;
        System.out.printf(
                "%-34s %,d pods: %,d bytes retained, %,d bytes per pod%n", label, store.size(), after - before, perPod);
        if (store.size() != n) {
            throw new IllegalStateException("store holds " + store.size() + " pods, not " + n);
        }
        store.keySet().toList().forEach(store::remove);
        return perPod;
    }

    private static long usedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
