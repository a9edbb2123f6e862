package dev.ordinal.identity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplateBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/** Fixture builder for fabric8 pods of an ordinal set: {@code Pods.pod("web", 3).ready().build()}. */
public final class Pods {

    /** The clock every fixture is relative to. */
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String set;
    private final Pod pod;

    private Pods(String set, Pod pod) {
        this.set = set;
        this.pod = pod;
    }

    /** Pod {@code S-n} of set {@code S}: labelled, one container, Pending, no annotations. */
    public static Pods pod(String set, int ordinal) {
        return named(set, PodNames.podName(set, ordinal));
    }

    /** A pod of set {@code set} with any name, valid or not. */
    public static Pods named(String set, String name) {
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("default")
                .withUid("uid-" + name)
                .addToLabels(OrdinalKeys.SET_LABEL, set)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("nginx:1.27")
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPhase("Pending")
                .endStatus()
                .build();
        return new Pods(set, pod);
    }

    /** A pod of set {@code set} created with {@code generateName: S-} and no name, as a Deployment makes it. */
    public static Pods unnamed(String set) {
        return named(set, null).generateName();
    }

    /** A pod named {@code name} that carries no set label: not Ordinal's business. */
    public static Pods outsider(String name) {
        Pods p = named("ignored", name);
        p.pod.getMetadata().getLabels().remove(OrdinalKeys.SET_LABEL);
        return p;
    }

    /** Drops the name and sets {@code generateName: S-}. */
    public Pods generateName() {
        pod.getMetadata().setName(null);
        pod.getMetadata().setGenerateName(set + "-");
        return this;
    }

    /** Phase Running, Ready=True since a minute before {@link #NOW}. */
    public Pods ready() {
        return readySince(NOW.minusSeconds(60).toString());
    }

    /** Phase Running, Ready=True with {@code lastTransitionTime} as given (null: none, garbage allowed). */
    public Pods readySince(String lastTransitionTime) {
        return status("Running", "True", lastTransitionTime);
    }

    /** Phase Running but Ready=False: started, not yet passing its readiness probe. */
    public Pods runningNotReady() {
        return status("Running", "False", NOW.minusSeconds(5).toString());
    }

    /** Phase and Ready condition status as given; {@code ready} null means no Ready condition. */
    public Pods status(String phase, String ready, String lastTransitionTime) {
        PodStatus status = new PodStatus();
        status.setPhase(phase);
        if (ready != null) {
            status.setConditions(new ArrayList<>(List.of(new PodConditionBuilder()
                    .withType("Ready")
                    .withStatus(ready)
                    .withLastTransitionTime(lastTransitionTime)
                    .build())));
        }
        pod.setStatus(status);
        return this;
    }

    /** No status at all, as in a CREATE request. */
    public Pods noStatus() {
        pod.setStatus(null);
        return this;
    }

    /** Has a deletion timestamp: shutting down but still holding its name. */
    public Pods terminating() {
        pod.getMetadata().setDeletionTimestamp(NOW.minusSeconds(1).toString());
        return this;
    }

    public Pods annotation(String key, String value) {
        if (pod.getMetadata().getAnnotations() == null) {
            pod.getMetadata().setAnnotations(new LinkedHashMap<>());
        }
        pod.getMetadata().getAnnotations().put(key, value);
        return this;
    }

    public Pods withoutAnnotation(String key) {
        if (pod.getMetadata().getAnnotations() != null) {
            pod.getMetadata().getAnnotations().remove(key);
        }
        return this;
    }

    public Pods label(String key, String value) {
        pod.getMetadata().getLabels().put(key, value);
        return this;
    }

    public Pods withoutLabel(String key) {
        pod.getMetadata().getLabels().remove(key);
        return this;
    }

    /** A generic ephemeral volume {@code name} with a 1Gi ReadWriteOnce template labelled {@code volume: name}. */
    public Pods ephemeralVolume(String name) {
        return volume(new VolumeBuilder()
                .withName(name)
                .withNewEphemeral()
                .withVolumeClaimTemplate(template(name))
                .endEphemeral()
                .build());
    }

    /** An emptyDir volume {@code name}: not a generic ephemeral volume. */
    public Pods emptyDir(String name) {
        return volume(new VolumeBuilder()
                .withName(name)
                .withEmptyDir(new EmptyDirVolumeSource())
                .build());
    }

    public Pods volume(Volume volume) {
        if (pod.getSpec().getVolumes() == null) {
            pod.getSpec().setVolumes(new ArrayList<>());
        }
        pod.getSpec().getVolumes().add(volume);
        return this;
    }

    /** Adds scheduling gate {@code name}. */
    public Pods gate(String name) {
        if (pod.getSpec().getSchedulingGates() == null) {
            pod.getSpec().setSchedulingGates(new ArrayList<>());
        }
        pod.getSpec().getSchedulingGates().add(new PodSchedulingGate(name));
        return this;
    }

    /** Removes scheduling gate {@code name}, as an UPDATE that lifts it would. */
    public Pods withoutGate(String name) {
        if (pod.getSpec().getSchedulingGates() != null) {
            pod.getSpec().getSchedulingGates().removeIf(g -> name.equals(g.getName()));
        }
        return this;
    }

    public Pods hostname(String hostname) {
        pod.getSpec().setHostname(hostname);
        return this;
    }

    /** Sets {@code spec.nodeName}: the pod bypasses the scheduler and is bound to that node at creation. */
    public Pods nodeName(String nodeName) {
        pod.getSpec().setNodeName(nodeName);
        return this;
    }

    public Pods subdomain(String subdomain) {
        pod.getSpec().setSubdomain(subdomain);
        return this;
    }

    /** No spec: never valid for a Pod, but a hostile or broken request can carry it. */
    public Pods noSpec() {
        pod.setSpec(null);
        return this;
    }

    /** A copy of the pod built so far; the builder can go on. */
    public Pod build() {
        return new PodBuilder(pod).build();
    }

    /** The pod summarized as a member of its set. */
    public Member member() {
        return Member.of(build(), set);
    }

    /** The template {@link #ephemeralVolume} gives volume {@code name}. */
    public static PersistentVolumeClaimTemplate template(String name) {
        return new PersistentVolumeClaimTemplateBuilder()
                .withNewMetadata()
                .addToLabels("volume", name)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .addToRequests("storage", new Quantity("1Gi"))
                .endResources()
                .endSpec()
                .build();
    }

    /** The pod as JSON: a deep snapshot independent of fabric8's builders, to prove an input was not changed. */
    public static String json(Pod pod) {
        try {
            return JSON.writeValueAsString(pod);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A deep copy through JSON. */
    public static Pod deepCopy(Pod pod) {
        try {
            return JSON.readValue(json(pod), Pod.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
