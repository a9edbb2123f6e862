package dev.ordinal.sim;

import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;

/**
 * The simulator's pod templates, built on {@link PodFixtures}: what a user writes in a Deployment, a Job or a bare pod
 * manifest. They stay a class of their own because every simulated workload starts from the same template (a
 * {@code data} volume mounted at {@code /data}, {@code generateName: S-}) and the e2e tests name it in one word.
 */
public final class PodTemplates {

    private PodTemplates() {}

    /**
     * A member of set {@code set}: labels {@code ordinal.dev/set} and {@code app}, the given Ordinal annotations,
     * {@code generateName: S-}, one nginx container and a generic ephemeral volume {@code data} (1Gi) mounted at
     * {@code /data} that Ordinal turns into a PVC.
     */
    public static Pod member(String set, Map<String, String> annotations) {
        return template(set, annotations).build();
    }

    /** {@link #member} with one extra label (a Deployment's {@code pod-template-hash}, say). */
    public static Pod member(String set, Map<String, String> annotations, String label, String value) {
        return template(set, annotations).label(label, value).build();
    }

    /** A bare pod named {@code name} of set {@code set}, as {@code kubectl apply} sends it. */
    public static Pod named(String set, String name, Map<String, String> annotations) {
        return template(set, annotations).generateName(null).named(name).build();
    }

    private static PodFixtures template(String set, Map<String, String> annotations) {
        return PodFixtures.member(set)
                .generateName()
                .annotations(annotations)
                .ephemeralVolume("data")
                .mount("data", "/data");
    }
}
