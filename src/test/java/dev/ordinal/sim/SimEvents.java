package dev.ordinal.sim;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/** Core v1 Events as the simulated components record them (kubectl describe shows these). */
public final class SimEvents {

    private SimEvents() {}

    /**
     * Records an event about {@code about} from {@code component}; failures are ignored, as an event recorder
     * drops events rather than fail the work.
     */
    public static void record(
            KubernetesClient client, HasMetadata about, String type, String reason, String message, String component) {
        String now = AdmissionChain.timestamp(Instant.now());
        String name = about.getMetadata().getName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong());
        try {
            client.v1()
                    .events()
                    .inNamespace(about.getMetadata().getNamespace())
                    .resource(new EventBuilder()
                            .withNewMetadata()
                            .withName(name)
                            .withNamespace(about.getMetadata().getNamespace())
                            .endMetadata()
                            .withNewInvolvedObject()
                            .withApiVersion(about.getApiVersion())
                            .withKind(about.getKind())
                            .withName(about.getMetadata().getName())
                            .withNamespace(about.getMetadata().getNamespace())
                            .withUid(about.getMetadata().getUid())
                            .endInvolvedObject()
                            .withType(type)
                            .withReason(reason)
                            .withMessage(message)
                            .withNewSource()
                            .withComponent(component)
                            .endSource()
                            .withReportingComponent(component)
                            .withReportingInstance(component)
                            .withFirstTimestamp(now)
                            .withLastTimestamp(now)
                            .withCount(1)
                            .build())
                    .create();
        } catch (KubernetesClientException e) {
            // dropped, as EventRecorder drops on error
        }
    }
}
