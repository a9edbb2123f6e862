package dev.ordinal.sim;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Job controller for one non-indexed Job: runs pods ({@code generateName: <job>-}, restartPolicy Never) until
 * {@code completions} have succeeded, at most {@code parallelism} at a time. As the real one does, it puts the
 * {@code batch.kubernetes.io/job-tracking} finalizer on every pod and removes it (an UPDATE through the chain) once
 * it has counted the pod's outcome.
 */
public final class JobSim extends SimLoop {

    public static final String TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";

    private final KubernetesClient store;
    private final AdmissionChain chain;
    private final String namespace;
    private final Pod template;
    private final int parallelism;
    private final int completions;
    private final Job job;
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1600));
    private final Set<String> succeeded = ConcurrentHashMap.newKeySet();
    private volatile boolean complete;

    public JobSim(
            KubernetesClient store,
            AdmissionChain chain,
            String namespace,
            String name,
            Pod template,
            int parallelism,
            int completions,
            Duration period,
            Duration lifetime) {
        super("job-" + namespace + "-" + name, period, lifetime);
        this.store = store;
        this.chain = chain;
        this.namespace = namespace;
        this.parallelism = parallelism;
        this.completions = completions;
        this.job = store.batch()
                .v1()
                .jobs()
                .inNamespace(namespace)
                .resource(new JobBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace(namespace)
                        .endMetadata()
                        .withNewSpec()
                        .withParallelism(parallelism)
                        .withCompletions(completions)
                        .withNewTemplate()
                        .withMetadata(template.getMetadata())
                        .withSpec(template.getSpec())
                        .endTemplate()
                        .endSpec()
                        .build())
                .create();
        this.template = new PodBuilder(template)
                .editMetadata()
                .addToLabels(Map.of(
                        "batch.kubernetes.io/job-name",
                        name,
                        "job-name",
                        name,
                        "batch.kubernetes.io/controller-uid",
                        job.getMetadata().getUid()))
                .endMetadata()
                .editSpec()
                .withRestartPolicy("Never")
                .endSpec()
                .build();
    }

    /** True once {@code completions} pods have succeeded. */
    public boolean complete() {
        return complete;
    }

    /** Names of the pods counted as succeeded. */
    public Set<String> succeededPods() {
        return Set.copyOf(succeeded);
    }

    @Override
    protected void tick() {
        List<Pod> active = new ArrayList<>();
        for (Pod pod : store.pods()
                .inNamespace(namespace)
                .withLabel(
                        "batch.kubernetes.io/controller-uid", job.getMetadata().getUid())
                .list()
                .getItems()) {
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            if ("Succeeded".equals(phase)) {
                succeeded.add(pod.getMetadata().getName());
                if (pod.getMetadata().getFinalizers().contains(TRACKING_FINALIZER)) {
                    pod.getMetadata().getFinalizers().remove(TRACKING_FINALIZER);
                    try {
                        chain.update(namespace, pod, Requester.JOB_CONTROLLER, false);
                    } catch (ApiException e) {
                        // conflict: next tick
                    }
                }
            } else if (!"Failed".equals(phase) && pod.getMetadata().getDeletionTimestamp() == null) {
                active.add(pod);
            }
        }
        if (succeeded.size() >= completions) {
            if (!complete) {
                complete = true;
                SimEvents.record(store, job, "Normal", "Completed", "Job completed", "job-controller");
            }
            return;
        }
        Instant now = Instant.now();
        if (backoff.waiting(now)) {
            return;
        }
        int wanted = Math.min(parallelism, completions - succeeded.size()) - active.size();
        for (int i = 0; i < wanted; i++) {
            try {
                Pod pod = chain.create(namespace, newPod(), Requester.JOB_CONTROLLER, false)
                        .pod();
                SimEvents.record(
                        store,
                        job,
                        "Normal",
                        "SuccessfulCreate",
                        "Created pod: " + pod.getMetadata().getName(),
                        "job-controller");
            } catch (ApiException e) {
                SimEvents.record(
                        store, job, "Warning", "FailedCreate", "Error creating: " + e.getMessage(), "job-controller");
                backoff.failed(now);
                return;
            }
        }
        backoff.succeeded();
    }

    private Pod newPod() {
        return new PodBuilder(template)
                .editMetadata()
                .withName(null)
                .withGenerateName(job.getMetadata().getName() + "-")
                .withNamespace(namespace)
                .addToFinalizers(TRACKING_FINALIZER)
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion("batch/v1")
                        .withKind("Job")
                        .withName(job.getMetadata().getName())
                        .withUid(job.getMetadata().getUid())
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build())
                .endMetadata()
                .build();
    }
}
