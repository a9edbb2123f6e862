package dev.ordinal.realcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** What the real-control-plane suites read and wait for in a test namespace, and the Deployment they apply. */
final class ClusterQueries {

    private final KubernetesClient admin;

    ClusterQueries(KubernetesClient admin) {
        this.admin = admin;
    }

    /**
     * A Recreate Deployment {@code name} whose pods are members of set {@code name}, with volume {@code data} of
     * {@code storage} (null: no volume).
     */
    static String deployment(String name, int replicas, String annotations, String storage) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %1$s}
                spec:
                  replicas: %2$d
                  strategy: {type: Recreate}
                  selector: {matchLabels: {app: %1$s}}
                  template:
                    metadata:
                      labels: {app: %1$s, ordinal.dev/set: %1$s}
                      annotations: {%3$s}
                    spec:
                      containers:
                        - name: app
                          image: nginx:1.27
                          ports: [{containerPort: 80, name: web}]
                %4$s
                """.formatted(name, replicas, annotations, storage == null ? "" : """
                          volumeMounts: [{name: data, mountPath: /data}]
                      volumes:
                        - name: data
                          ephemeral:
                            volumeClaimTemplate:
                              spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: %s}}}
                """.formatted(storage));
    }

    /** {@code set-n} for each of {@code ordinals}. */
    static Set<String> names(String set, int... ordinals) {
        Set<String> names = new TreeSet<>();
        for (int n : ordinals) {
            names.add(set + "-" + n);
        }
        return names;
    }

    /** {@code set-0} … {@code set-(count-1)}. */
    static Set<String> first(String set, int count) {
        Set<String> names = new TreeSet<>();
        for (int i = 0; i < count; i++) {
            names.add(set + "-" + i);
        }
        return names;
    }

    /** The pods of {@code ns} without a deletion timestamp, by name. */
    Map<String, Pod> livePods(String ns) {
        return admin.pods().inNamespace(ns).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
    }

    /** Waits until exactly {@code names} are the live pods of {@code ns}, every one Running and Ready. */
    Map<String, Pod> awaitRunning(String ns, Set<String> names, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Map<String, Pod> live = livePods(ns);
            assertThat(live.keySet()).containsExactlyInAnyOrderElementsOf(names);
            assertThat(live.values()).allMatch(PodWatch::ready, "Running and Ready");
        });
        return livePods(ns);
    }

    /** Waits until each of {@code names} is live, Running and Ready (other pods of {@code ns} may exist). */
    void awaitReady(String ns, Set<String> names, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Map<String, Pod> live = livePods(ns);
            assertThat(live.keySet()).containsAll(names);
            assertThat(names).allMatch(n -> PodWatch.ready(live.get(n)), "Running and Ready");
        });
    }

    PersistentVolumeClaim claim(String ns, String name) {
        return admin.persistentVolumeClaims().inNamespace(ns).withName(name).get();
    }

    /** The claims of {@code ns}: name to uid. */
    Map<String, String> claimUids(String ns) {
        return admin.persistentVolumeClaims().inNamespace(ns).list().getItems().stream()
                .collect(Collectors.toMap(
                        c -> c.getMetadata().getName(), c -> c.getMetadata().getUid()));
    }

    /** The events of {@code ns} with reason {@code reason}. */
    List<Event> events(String ns, String reason) {
        return admin.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> reason.equals(e.getReason()))
                .toList();
    }
}
