package dev.ordinal.admission;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Registers for reflection, in a native image, the model classes Jackson writes in webhook responses. The
 * kubernetes-client extension registers most fabric8 models already; naming these keeps the hot path independent of
 * that detail (see https://quarkus.io/guides/writing-native-applications-tips#registering-for-reflection).
 */
@RegisterForReflection(
        targets = {
            AdmissionReview.class,
            AdmissionRequest.class,
            AdmissionResponse.class,
            Status.class,
            StatusDetails.class
        })
final class NativeReflection {

    private NativeReflection() {}
}
