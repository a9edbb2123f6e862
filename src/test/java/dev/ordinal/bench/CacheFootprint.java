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
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.function.Function;

/**
 * Heap retained per cached pod by the pod informer's item store, and the CPU of a put (every watch event) and of a
 * read (the controller reads every pod of a set on each pass): fabric8's default (whole objects), fabric8's
 * {@code ReducedStateItemStore} with the fields Ordinal kept through it before, and {@link CachedFields#podStore}.
 * Fills each store with {@code N} realistic pods (PodFixtures.realistic, parsed from JSON as the informer receives
 * them) and reports the heap used after GC, minus the empty baseline, divided by N; then times puts and reads of one
 * pod, JIT-warm, on the thread CPU clock. Run alone: {@code java -cp $(TEST_CP) dev.ordinal.bench.CacheFootprint
 * [pods]}.
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
        perPod("ReducedStateItemStore (fabric8)", n, CacheFootprint::fabric8Reduced, serialization);
        long reduced = perPod("reduced (CachedFields.podStore)", n, s -> CachedFields.podStore(), serialization);
        System.out.printf(
                "saving against whole objects: %d bytes per pod (%.0f%%); %.1f MiB for %d pods%n",
                full - reduced, 100.0 * (full - reduced) / full, (full - reduced) * (double) n / (1 << 20), n);
        cpu("ReducedStateItemStore (fabric8)", fabric8Reduced(serialization));
        cpu("reduced (CachedFields.podStore)", CachedFields.podStore());
        // PVCs: every claim of the cluster is cached (reduced); Services whole, one per set.
        whole(
                "PVC (whole objects)",
                n,
                "/cache/realistic-pvc.json",
                PersistentVolumeClaim.class,
                serialization,
                new BasicItemStore<>(Cache::metaNamespaceKeyFunc));
        whole(
                "PVC (reduced, CachedFields.claimStore)",
                n,
                "/cache/realistic-pvc.json",
                PersistentVolumeClaim.class,
                serialization,
                CachedFields.claimStore());
        whole(
                "Service (whole, as cached)",
                n,
                "/cache/realistic-service.json",
                Service.class,
                serialization,
                new BasicItemStore<>(Cache::metaNamespaceKeyFunc));
    }

    private static <T extends HasMetadata> void whole(
            String label,
            int n,
            String resource,
            Class<T> type,
            KubernetesSerialization serialization,
            ItemStore<T> store) {
        String json;
        try (java.io.InputStream in = CacheFootprint.class.getResourceAsStream(resource)) {
            json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        long before = usedAfterGc();
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
                "%-40s %,d objects: %,d bytes per object%n", label, store.size(), (after - before) / store.size());
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
                "%-40s %,d pods: %,d bytes retained, %,d bytes per pod%n", label, store.size(), after - before, perPod);
        if (store.size() != n) {
            throw new IllegalStateException("store holds " + store.size() + " pods, not " + n);
        }
        store.keySet().toList().forEach(store::remove);
        return perPod;
    }

    /** The fields Ordinal kept through fabric8's store until it had its own (dotted paths, each kept whole). */
    private static ItemStore<Pod> fabric8Reduced(KubernetesSerialization serialization) {
        return new ReducedStateItemStore<>(
                ReducedStateItemStore.NAME_KEY_STATE,
                Pod.class,
                serialization,
                "metadata.uid",
                "metadata.labels",
                "metadata.annotations",
                "metadata.ownerReferences",
                "metadata.deletionTimestamp",
                "spec.schedulingGates",
                "spec.containers",
                "status.phase",
                "status.conditions");
    }

    /** Microseconds of thread CPU per put of a whole pod (an update) and per read, JIT-warm. */
    private static void cpu(String label, ItemStore<Pod> store) {
        Pod pod = PodFixtures.realistic("ns-1", "web", 3);
        String key = store.getKey(pod);
        double put = perCall(() -> store.put(key, pod));
        double get = perCall(() -> store.get(key));
        System.out.printf("%-40s put %.1f µs, read %.1f µs%n", label, put, get);
    }

    private static double perCall(Runnable call) {
        int iterations = 50_000;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < iterations; i++) {
            call.run();
        }
        long start = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < iterations; i++) {
            call.run();
        }
        return (threads.getCurrentThreadCpuTime() - start) / 1000.0 / iterations;
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
