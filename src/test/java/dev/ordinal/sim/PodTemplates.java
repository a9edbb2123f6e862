package dev.ordinal.sim;

import dev.ordinal.identity.OrdinalKeys;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;

/** Pod templates of ordinal sets, as a user writes them in a Deployment, a Job or a bare pod manifest. */
public final class PodTemplates {

    private PodTemplates() {}

    /**
     * A member of set {@code set}: labels {@code app} and {@code ordinal.dev/set}, the given Ordinal annotations,
     * {@code generateName: S-}, one nginx container and a generic ephemeral volume {@code data} (1Gi) that Ordinal turns into a PVC.
     */
    public static Pod member(String set, Map<String, String> annotations) {
        return new PodBuilder()
                .withNewMetadata()
                .withGenerateName(set + "-")
                .addToLabels("app", set)
                .addToLabels(OrdinalKeys.SET_LABEL, set)
                .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("nginx:1.27")
                .addNewPort()
                .withContainerPort(80)
                .withName("http")
                .endPort()
                .addNewVolumeMount()
                .withName("data")
                .withMountPath("/data")
                .endVolumeMount()
                .endContainer()
                .addNewVolume()
                .withName("data")
                .withNewEphemeral()
                .withNewVolumeClaimTemplate()
                .withNewMetadata()
                .addToLabels("app", set)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .addToRequests("storage", new Quantity("1Gi"))
                .endResources()
                .endSpec()
                .endVolumeClaimTemplate()
                .endEphemeral()
                .endVolume()
                .endSpec()
                .build();
    }

    /** {@link #member} with one extra label (a Deployment's {@code pod-template-hash}, say). */
    public static Pod member(String set, Map<String, String> annotations, String label, String value) {
        Pod pod = member(set, annotations);
        pod.getMetadata().getLabels().put(label, value);
        return pod;
    }

    /** A bare pod named {@code name} of set {@code set}, as {@code kubectl apply} sends it. */
    public static Pod named(String set, String name, Map<String, String> annotations) {
        Pod pod = member(set, annotations);
        pod.getMetadata().setName(name);
        pod.getMetadata().setGenerateName(null);
        return pod;
    }
}
