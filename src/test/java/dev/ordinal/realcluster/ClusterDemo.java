package dev.ordinal.realcluster;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code make demo-cluster}: the README's story on the real control plane. Starts etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, the kubelet stand-in and two Ordinal replicas, applies
 * {@code deploy/examples/deployment.yaml}, then deletes a pod and scales down, printing the namespace's pods as
 * {@code kubectl get pods -w} would. Exits non-zero if the set does not behave as described.
 */
public final class ClusterDemo {

    private ClusterDemo() {}

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        System.out.println("starting the control plane (the first run builds it: see src/test/kube/build.sh)...");
        int code = 0;
        try (RealCluster cluster = RealCluster.start()) {
            System.out.printf(
                    "control plane and two Ordinal replicas ready in %.1f s; logs in %s%n",
                    (System.nanoTime() - t0) / 1e9, RealCluster.WORK.toAbsolutePath());
            String ns = cluster.namespace("demo");
            Kubectl kubectl = cluster.kubectl;
            try (PodWatch watch = new PodWatch(cluster.admin(), ns, System.out)) {
                step("kubectl apply -f deploy/examples/deployment.yaml");
                kubectl.run("-n", ns, "apply", "-f", "deploy/examples/deployment.yaml")
                        .orFail();
                awaitPods(cluster, ns, 3);
                System.out.print(kubectl.run("-n", ns, "get", "pvc").orFail());
                System.out.print(kubectl.run("-n", ns, "get", "service").orFail());

                step("kubectl delete pod web-1   (the ReplicaSet re-creates it as web-1, same claim)");
                kubectl.run("-n", ns, "delete", "pod", "web-1").orFail();
                awaitPods(cluster, ns, 3);

                step("kubectl scale deployment web --replicas=1   (web-2 goes first, then web-1)");
                kubectl.run("-n", ns, "scale", "deployment/web", "--replicas=2").orFail();
                awaitPods(cluster, ns, 2);
                kubectl.run("-n", ns, "scale", "deployment/web", "--replicas=1").orFail();
                awaitPods(cluster, ns, 1);
                step("kubectl get events --field-selector source=ordinal-controller");
                System.out.print(kubectl.run(
                                "-n",
                                ns,
                                "get",
                                "events",
                                "--field-selector=source=ordinal-controller",
                                "--sort-by=.lastTimestamp",
                                "-o",
                                "custom-columns=REASON:.reason,OBJECT:.involvedObject.name,MESSAGE:.message")
                        .orFail());
            }
            System.out.printf("demo-cluster passed in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        } catch (Exception | AssertionError e) {
            System.err.println("demo-cluster FAILED: " + e);
            code = 1;
        }
        System.exit(code);
    }

    private static void step(String what) {
        System.out.println();
        System.out.println("$ " + what);
    }

    /** Waits until web-0..web-(n-1) are the only live pods and all are Running and Ready. */
    private static void awaitPods(RealCluster cluster, String ns, int n) {
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Map<String, Pod> live = cluster.admin().pods().inNamespace(ns).list().getItems().stream()
                            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                            .collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
                    if (live.size() != n || !live.values().stream().allMatch(PodWatch::ready)) {
                        return false;
                    }
                    for (int i = 0; i < n; i++) {
                        if (!live.containsKey("web-" + i)) {
                            return false;
                        }
                    }
                    return true;
                });
    }
}
