package dev.ordinal.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ordinal.identity.Member;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.identity.PodNames;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
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
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one pod fixture builder of the tests: {@code PodFixtures.pod("web", 3).ready().build()}.
 *
 * <p>Two families of starting points, because the code under test reads two different clocks. The pure core's rules
 * take the time as an argument, so {@link #pod}, {@link #unnamed} and {@link #outsider} are relative to the fixed
 * {@link #NOW}; the running app and the simulators read the system clock, so {@link #member} and {@link #stored} are
 * relative to {@link Instant#now()} when a status is set.
 */
public final class PodFixtures {

    /** The fixed clock of the core's fixtures ({@link #pod}, {@link #unnamed}, {@link #outsider}). */
    public static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private final String set;
    private final Pod pod;
    private final boolean systemClock;

    private PodFixtures(String set, Pod pod, boolean systemClock) {
        this.set = set;
        this.pod = pod;
        this.systemClock = systemClock;
    }

    // ---- the core's shapes, on the fixed clock NOW

    /** Pod {@code S-n} of set {@code S}: namespace default, labelled, one container, Pending, no annotations. */
    public static PodFixtures pod(String set, int ordinal) {
        return pod(set, PodNames.podName(set, ordinal));
    }

    /** A pod of set {@code set} with any name, valid or not (null: none). */
    public static PodFixtures pod(String set, String name) {
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
        return new PodFixtures(set, pod, false);
    }

    /** A pod of set {@code set} created with {@code generateName: S-} and no name, as a Deployment makes it. */
    public static PodFixtures unnamed(String set) {
        return pod(set, (String) null).generateName();
    }

    /** A pod named {@code name} that carries no set label: not Ordinal's business. */
    public static PodFixtures outsider(String name) {
        return pod("ignored", name).withoutLabel(OrdinalKeys.SET_LABEL);
    }

    // ---- the shapes the running app is sent, on the system clock

    /**
     * A pod of set {@code set} with {@code generateName: S-abc12-}, as a ReplicaSet creates it: labels {@code
     * ordinal.dev/set} and {@code app}, one nginx container with port {@code http}, no namespace, no status.
     */
    public static PodFixtures member(String set) {
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withGenerateName(set + "-abc12-")
                .addToLabels(OrdinalKeys.SET_LABEL, set)
                .addToLabels("app", set)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("nginx:1.27")
                .addNewPort()
                .withContainerPort(80)
                .withName("http")
                .endPort()
                .endContainer()
                .endSpec()
                .build();
        return new PodFixtures(set, pod, true);
    }

    /** A pod of set {@code set} named {@code set-n}, as stored after admission. */
    public static PodFixtures stored(String set, int n) {
        return member(set)
                .named(set + "-" + n)
                .label(OrdinalKeys.POD_INDEX_LABEL, Integer.toString(n))
                .label(OrdinalKeys.POD_NAME_LABEL, set + "-" + n);
    }

    /**
     * The pod {@code set-n} as the API server returns it once running: managed fields, statuses, probes, a claim and
     * a projected token volume, a deletion timestamp (resources/cache/realistic-pod.json). Parsed from JSON, as the
     * informer receives it, so no two pods share strings.
     */
    public static Pod realistic(String namespace, String set, int n) {
        try (InputStream in = PodFixtures.class.getResourceAsStream("/cache/realistic-pod.json")) {
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("SET", set)
                    .replace("ORD", Integer.toString(n))
                    .replace("NS", namespace)
                    .replace("OWNERUID", "owner-" + set)
                    .replace("UID", "uid-" + set + "-" + n)
                    .replace("RV", Integer.toString(1000 + n));
            return SERIALIZATION.unmarshal(json, Pod.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Instant now() {
        return systemClock ? Instant.now() : NOW;
    }

    // ---- metadata

    public PodFixtures named(String name) {
        pod.getMetadata().setName(name);
        return this;
    }

    /** Drops the name and sets {@code generateName: S-}. */
    public PodFixtures generateName() {
        return generateName(set + "-");
    }

    /** Drops the name and sets {@code generateName} as given. */
    public PodFixtures generateName(String prefix) {
        pod.getMetadata().setName(null);
        pod.getMetadata().setGenerateName(prefix);
        return this;
    }

    public PodFixtures uid(String uid) {
        pod.getMetadata().setUid(uid);
        return this;
    }

    public PodFixtures label(String key, String value) {
        pod.getMetadata().getLabels().put(key, value);
        return this;
    }

    public PodFixtures withoutLabel(String key) {
        pod.getMetadata().getLabels().remove(key);
        return this;
    }

    public PodFixtures annotation(String key, String value) {
        if (pod.getMetadata().getAnnotations() == null) {
            pod.getMetadata().setAnnotations(new LinkedHashMap<>());
        }
        pod.getMetadata().getAnnotations().put(key, value);
        return this;
    }

    /** Adds all of {@code annotations}; the pod has an annotations map afterwards, even when they are none. */
    public PodFixtures annotations(Map<String, String> annotations) {
        if (pod.getMetadata().getAnnotations() == null) {
            pod.getMetadata().setAnnotations(new LinkedHashMap<>());
        }
        pod.getMetadata().getAnnotations().putAll(annotations);
        return this;
    }

    public PodFixtures withoutAnnotation(String key) {
        if (pod.getMetadata().getAnnotations() != null) {
            pod.getMetadata().getAnnotations().remove(key);
        }
        return this;
    }

    /** Adds an ownerReference with {@code controller: true}, as a ReplicaSet or Job sets on the pods it creates. */
    public PodFixtures ownedBy(String kind, String name) {
        return ownedBy(kind, name, "uid-" + name);
    }

    public PodFixtures ownedBy(String kind, String name, String uid) {
        if (pod.getMetadata().getOwnerReferences() == null) {
            pod.getMetadata().setOwnerReferences(new ArrayList<>());
        }
        pod.getMetadata()
                .getOwnerReferences()
                .add(new OwnerReferenceBuilder()
                        .withApiVersion("Job".equals(kind) ? "batch/v1" : "apps/v1")
                        .withKind(kind)
                        .withName(name)
                        .withUid(uid)
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build());
        return this;
    }

    /** Has a deletion timestamp: shutting down but still holding its name. */
    public PodFixtures terminating() {
        pod.getMetadata().setDeletionTimestamp(now().minusSeconds(1).toString());
        return this;
    }

    // ---- spec

    /** Replaces the containers. */
    public PodFixtures containers(Container... containers) {
        pod.getSpec().setContainers(new ArrayList<>(List.of(containers)));
        return this;
    }

    /** Mounts volume {@code volume} at {@code path} in the first container. */
    public PodFixtures mount(String volume, String path) {
        Container first = pod.getSpec().getContainers().get(0);
        if (first.getVolumeMounts() == null) {
            first.setVolumeMounts(new ArrayList<>());
        }
        first.getVolumeMounts()
                .add(new VolumeMountBuilder()
                        .withName(volume)
                        .withMountPath(path)
                        .build());
        return this;
    }

    /** A generic ephemeral volume {@code name} with the 1Gi ReadWriteOnce {@link #template}. */
    public PodFixtures ephemeralVolume(String name) {
        return volume(new VolumeBuilder()
                .withName(name)
                .withNewEphemeral()
                .withVolumeClaimTemplate(template(name))
                .endEphemeral()
                .build());
    }

    /** An emptyDir volume {@code name}: not a generic ephemeral volume. */
    public PodFixtures emptyDir(String name) {
        return volume(new VolumeBuilder()
                .withName(name)
                .withEmptyDir(new EmptyDirVolumeSource())
                .build());
    }

    public PodFixtures volume(Volume volume) {
        if (pod.getSpec().getVolumes() == null) {
            pod.getSpec().setVolumes(new ArrayList<>());
        }
        pod.getSpec().getVolumes().add(volume);
        return this;
    }

    /** Adds scheduling gate {@code name}. */
    public PodFixtures gate(String name) {
        if (pod.getSpec().getSchedulingGates() == null) {
            pod.getSpec().setSchedulingGates(new ArrayList<>());
        }
        pod.getSpec().getSchedulingGates().add(new PodSchedulingGate(name));
        return this;
    }

    /** Removes scheduling gate {@code name}, as an UPDATE that lifts it would. */
    public PodFixtures withoutGate(String name) {
        if (pod.getSpec().getSchedulingGates() != null) {
            pod.getSpec().getSchedulingGates().removeIf(g -> name.equals(g.getName()));
        }
        return this;
    }

    public PodFixtures hostname(String hostname) {
        pod.getSpec().setHostname(hostname);
        return this;
    }

    /** Sets hostname and subdomain, as the mutating webhook does. */
    public PodFixtures hostname(String hostname, String subdomain) {
        return hostname(hostname).subdomain(subdomain);
    }

    public PodFixtures subdomain(String subdomain) {
        pod.getSpec().setSubdomain(subdomain);
        return this;
    }

    /** Sets {@code spec.nodeName}: the pod bypasses the scheduler and is bound to that node at creation. */
    public PodFixtures nodeName(String nodeName) {
        pod.getSpec().setNodeName(nodeName);
        return this;
    }

    /** No spec: never valid for a Pod, but a hostile or broken request can carry it. */
    public PodFixtures noSpec() {
        pod.setSpec(null);
        return this;
    }

    // ---- status

    /** Phase Running, Ready=True since a minute ago. */
    public PodFixtures ready() {
        return ready(now().minusSeconds(60));
    }

    /** Phase Running, Ready=True since {@code since}. */
    public PodFixtures ready(Instant since) {
        return readySince(since.toString());
    }

    /** Phase Running, Ready=True with {@code lastTransitionTime} as given (null: none, garbage allowed). */
    public PodFixtures readySince(String lastTransitionTime) {
        return status("Running", "True", lastTransitionTime);
    }

    /** Phase Running but Ready=False: started, not yet passing its readiness probe. */
    public PodFixtures notReady() {
        return status("Running", "False", now().minusSeconds(5).toString());
    }

    /** Phase Pending, no conditions. */
    public PodFixtures pending() {
        return status("Pending", null, null);
    }

    /** Phase and Ready condition status as given; {@code ready} null means no Ready condition. */
    public PodFixtures status(String phase, String ready, String lastTransitionTime) {
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
    public PodFixtures noStatus() {
        pod.setStatus(null);
        return this;
    }

    // ---- results

    /** A copy of the pod built so far; the builder can go on. */
    public Pod build() {
        return new PodBuilder(pod).build();
    }

    /** The pod summarized as a member of its set. */
    public Member asMember() {
        return Member.of(build(), set);
    }

    /** The claim template {@link #ephemeralVolume} gives volume {@code name}: 1Gi, ReadWriteOnce, {@code volume: name}. */
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

    /** A generic ephemeral volume {@code name} (null: none) with claim template {@code template} (null: none). */
    public static Volume ephemeralVolumeOf(String name, PersistentVolumeClaimTemplate template) {
        return new VolumeBuilder()
                .withName(name)
                .withNewEphemeral()
                .withVolumeClaimTemplate(template)
                .endEphemeral()
                .build();
    }

    /**
     * A claim template of {@code size} with the metadata and spec the controller must copy onto the claim: label
     * {@code tier: db}, annotation {@code example.com/backup: daily}, ReadWriteOnce, StorageClass {@code fast}.
     */
    /** A claim template with metadata but no {@code spec}: invalid input the admission rules must name. */
    public static PersistentVolumeClaimTemplate claimTemplateWithoutSpec() {
        return new PersistentVolumeClaimTemplateBuilder()
                .withNewMetadata()
                .addToLabels("a", "b")
                .endMetadata()
                .build();
    }

    public static PersistentVolumeClaimTemplate claimTemplate(String size) {
        return new PersistentVolumeClaimTemplateBuilder()
                .withNewMetadata()
                .addToLabels("tier", "db")
                .addToAnnotations("example.com/backup", "daily")
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName("fast")
                .withNewResources()
                .addToRequests("storage", new Quantity(size))
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
