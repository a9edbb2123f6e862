package dev.ordinal.support;

import dev.ordinal.identity.OrdinalKeys;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Instant;
import java.util.Map;

/** Fluent pod fixtures for HTTP-level tests: {@code PodFixtures.member("web").ready()}. */
public final class PodFixtures {

    private final PodBuilder builder;

    private PodFixtures(PodBuilder builder) {
        this.builder = builder;
    }

    /** A pod of set {@code set} with generateName, as a ReplicaSet creates it. */
    public static PodFixtures member(String set) {
        return new PodFixtures(new PodBuilder()
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
                .endSpec());
    }

    /**
     * The pod {@code set-n} as the API server returns it once running: managed fields, statuses, probes, a claim and
     * a projected token volume, a deletion timestamp (resources/cache/realistic-pod.json). Parsed from JSON, as the
     * informer receives it, so no two pods share strings.
     */
    public static Pod realistic(String namespace, String set, int n) {
        try (java.io.InputStream in = PodFixtures.class.getResourceAsStream("/cache/realistic-pod.json")) {
            String json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    .replace("SET", set)
                    .replace("ORD", Integer.toString(n))
                    .replace("NS", namespace)
                    .replace("OWNERUID", "owner-" + set)
                    .replace("UID", "uid-" + set + "-" + n)
                    .replace("RV", Integer.toString(1000 + n));
            return SERIALIZATION.unmarshal(json, Pod.class);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final io.fabric8.kubernetes.client.utils.KubernetesSerialization SERIALIZATION =
            new io.fabric8.kubernetes.client.utils.KubernetesSerialization();

    /** A pod of set {@code set} named {@code set-n}, as stored after admission. */
    public static PodFixtures stored(String set, int n) {
        return member(set)
                .named(set + "-" + n)
                .label(OrdinalKeys.POD_INDEX_LABEL, Integer.toString(n))
                .label(OrdinalKeys.POD_NAME_LABEL, set + "-" + n);
    }

    public PodFixtures named(String name) {
        builder.editMetadata().withName(name).endMetadata();
        return this;
    }

    public PodFixtures label(String key, String value) {
        builder.editMetadata().addToLabels(key, value).endMetadata();
        return this;
    }

    public PodFixtures annotation(String key, String value) {
        builder.editMetadata().addToAnnotations(key, value).endMetadata();
        return this;
    }

    public PodFixtures annotations(Map<String, String> annotations) {
        builder.editMetadata().addToAnnotations(annotations).endMetadata();
        return this;
    }

    public PodFixtures ephemeralVolume(String volume) {
        builder.editSpec()
                .addNewVolume()
                .withName(volume)
                .withNewEphemeral()
                .withNewVolumeClaimTemplate()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .addToRequests("storage", new Quantity("1Gi"))
                .endResources()
                .endSpec()
                .endVolumeClaimTemplate()
                .endEphemeral()
                .endVolume()
                .endSpec();
        return this;
    }

    /** Sets hostname and subdomain, as the mutating webhook does. */
    public PodFixtures hostname(String hostname, String subdomain) {
        builder.editSpec().withHostname(hostname).withSubdomain(subdomain).endSpec();
        return this;
    }

    /** Adds an ownerReference with {@code controller: true}, as a ReplicaSet or Job sets on the pods it creates. */
    public PodFixtures ownedBy(String kind, String name) {
        builder.editMetadata()
                .addNewOwnerReference()
                .withApiVersion("Job".equals(kind) ? "batch/v1" : "apps/v1")
                .withKind(kind)
                .withName(name)
                .withUid("uid-" + name)
                .withController(true)
                .withBlockOwnerDeletion(true)
                .endOwnerReference()
                .endMetadata();
        return this;
    }

    public PodFixtures gate(String gate) {
        builder.editSpec().addNewSchedulingGate(gate).endSpec();
        return this;
    }

    /** Phase Running with Ready=True since {@code since}. */
    public PodFixtures ready(Instant since) {
        builder.withNewStatus()
                .withPhase("Running")
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .withLastTransitionTime(since.toString())
                .endCondition()
                .endStatus();
        return this;
    }

    public PodFixtures ready() {
        return ready(Instant.now().minusSeconds(60));
    }

    /** Phase Running but Ready=False. */
    public PodFixtures notReady() {
        builder.withNewStatus()
                .withPhase("Running")
                .addNewCondition()
                .withType("Ready")
                .withStatus("False")
                .endCondition()
                .endStatus();
        return this;
    }

    public PodFixtures pending() {
        builder.withNewStatus().withPhase("Pending").endStatus();
        return this;
    }

    public Pod build() {
        return builder.build();
    }
}
