package dev.ordinal.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;

/** The fields a mutating and a validating webhook share, so one test can check both. */
record Webhook(
        String configurationKind,
        Map<String, String> configurationAnnotations,
        String name,
        WebhookClientConfig clientConfig,
        List<RuleWithOperations> rules,
        LabelSelector objectSelector,
        LabelSelector namespaceSelector,
        String failurePolicy,
        String sideEffects,
        Integer timeoutSeconds,
        List<String> admissionReviewVersions,
        String matchPolicy) {

    static final String MUTATING = "MutatingWebhookConfiguration";
    static final String VALIDATING = "ValidatingWebhookConfiguration";

    // A ValidatingWebhook has every field read here under the same name, so it is read as a MutatingWebhook.
    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    /** Every webhook of the configuration named {@code ordinal} of {@code kind}. */
    static List<Webhook> of(List<HasMetadata> resources, String kind) {
        if (kind.equals(MUTATING)) {
            MutatingWebhookConfiguration configuration =
                    Manifests.one(resources, MutatingWebhookConfiguration.class, "ordinal");
            return configuration.getWebhooks().stream()
                    .map(w -> of(configuration, w))
                    .toList();
        }
        ValidatingWebhookConfiguration configuration =
                Manifests.one(resources, ValidatingWebhookConfiguration.class, "ordinal");
        return configuration.getWebhooks().stream()
                .map(w -> of(configuration, JSON.convertValue(w, MutatingWebhook.class)))
                .toList();
    }

    /** The single webhook of the configuration named {@code ordinal} of {@code kind}. */
    static Webhook only(List<HasMetadata> resources, String kind) {
        List<Webhook> webhooks = of(resources, kind);
        if (webhooks.size() != 1) {
            throw new AssertionError("got " + webhooks.size() + " webhooks in " + kind + " ordinal, want 1");
        }
        return webhooks.get(0);
    }

    private static Webhook of(HasMetadata configuration, MutatingWebhook w) {
        return new Webhook(
                configuration.getKind(),
                configuration.getMetadata().getAnnotations(),
                w.getName(),
                w.getClientConfig(),
                w.getRules(),
                w.getObjectSelector(),
                w.getNamespaceSelector(),
                w.getFailurePolicy(),
                w.getSideEffects(),
                w.getTimeoutSeconds(),
                w.getAdmissionReviewVersions(),
                w.getMatchPolicy());
    }
}
