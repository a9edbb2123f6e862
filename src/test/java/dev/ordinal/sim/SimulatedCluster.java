package dev.ordinal.sim;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One namespace of a simulated cluster: the admission chain in front of the store, a kubelet, an observer, and the
 * workload controllers a scenario starts. Closing it stops every loop it started.
 */
public final class SimulatedCluster implements AutoCloseable {

    /** Upper bound on any loop's life, so a forgotten loop cannot outlive a test run. */
    public static final Duration LOOP_LIFETIME = Duration.ofMinutes(3);

    private final KubernetesClient store;
    private final AdmissionChain chain;
    private final String namespace;
    private final ClusterObserver observer;
    private final KubeletSim kubelet;
    private final Duration period;
    private final List<SimLoop> loops = new ArrayList<>();

    public SimulatedCluster(KubernetesClient store, AdmissionChain chain, String namespace, KubeletSim.Timing timing) {
        this.store = store;
        this.chain = chain;
        this.namespace = namespace;
        this.period = timing.period().multipliedBy(2);
        this.observer = new ClusterObserver(store, namespace);
        this.kubelet = new KubeletSim(store, chain, namespace, timing, LOOP_LIFETIME);
        kubelet.start();
        loops.add(kubelet);
    }

    /**
     * The chain a cluster with Ordinal installed has: Ordinal's mutating webhook after {@code before} and before
     * {@code after} (other vendors' mutating webhooks), then Ordinal's validating webhook; Ordinal served by
     * {@code instances} behind one Service, verified against {@code caBundle}.
     */
    public static AdmissionChain ordinalChain(
            KubernetesClient store,
            Path caBundle,
            List<URI> instances,
            List<WebhookRegistration> before,
            List<WebhookRegistration> after) {
        HttpsWebhookBackend service = new HttpsWebhookBackend(caBundle, instances);
        List<WebhookRegistration> hooks = new ArrayList<>(before);
        hooks.add(WebhookRegistration.ordinalMutating(service));
        hooks.addAll(after);
        hooks.add(WebhookRegistration.ordinalValidating(service));
        return new AdmissionChain(store, hooks);
    }

    /** Starts a ReplicaSet {@code name} of {@code replicas} pods like {@code template}. */
    public ReplicaSetSim replicaSet(String name, Pod template, int replicas) {
        ReplicaSetSim rs = new ReplicaSetSim(store, chain, namespace, name, template, replicas, period, LOOP_LIFETIME);
        rs.start();
        loops.add(rs);
        return rs;
    }

    /** Starts a Job {@code name} running {@code completions} pods like {@code template}, {@code parallelism} at once. */
    public JobSim job(String name, Pod template, int parallelism, int completions) {
        JobSim job =
                new JobSim(store, chain, namespace, name, template, parallelism, completions, period, LOOP_LIFETIME);
        job.start();
        loops.add(job);
        return job;
    }

    public KubernetesClient store() {
        return store;
    }

    public AdmissionChain chain() {
        return chain;
    }

    public String namespace() {
        return namespace;
    }

    public ClusterObserver observer() {
        return observer;
    }

    public KubeletSim kubelet() {
        return kubelet;
    }

    @Override
    public void close() {
        for (SimLoop loop : loops) {
            loop.close();
        }
        observer.close();
    }
}
