package dev.ordinal.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.LIST;
import static org.junit.jupiter.api.Named.named;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** deploy/overlays/cert-manager hands the Secret and the caBundle to cert-manager and changes nothing else. */
class CertManagerOverlayTest {

    static final List<String> DNS_NAMES = List.of(
            "ordinal-webhook",
            "ordinal-webhook.ordinal-system",
            "ordinal-webhook.ordinal-system.svc",
            "ordinal-webhook.ordinal-system.svc.cluster.local");

    private static List<HasMetadata> rendered;

    /** The overlay, rendered once; skips the calling test when kubectl is missing. */
    static List<HasMetadata> overlay() {
        if (rendered == null) {
            rendered = Manifests.render(Manifests.DEPLOY.resolve("overlays/cert-manager"));
        }
        return rendered;
    }

    @BeforeEach
    void requireKubectl() {
        Manifests.requireKubectl();
    }

    @Test
    void staticTlsSecretIsRemoved() {
        assertThat(Manifests.all(overlay(), Secret.class)).isEmpty();
    }

    static Stream<Arguments> webhooks() {
        return Stream.of(
                Arguments.of(named("mutating", Webhook.only(overlay(), Webhook.MUTATING))),
                Arguments.of(named("validating", Webhook.only(overlay(), Webhook.VALIDATING))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("webhooks")
    void webhookGetsItsCaFromTheWebhookCertificate(Webhook webhook) {
        assertThat(webhook.configurationAnnotations())
                .containsEntry("cert-manager.io/inject-ca-from", "ordinal-system/ordinal-webhook");
        assertThat(webhook.clientConfig().getCaBundle())
                .as("caBundle is left to cainjector")
                .isNull();
    }

    @Test
    void everyOtherObjectIsTheBaseUnchanged() {
        List<HasMetadata> fromBase = BaseManifestsTest.base().stream()
                .filter(r -> !(r instanceof Secret))
                .filter(r -> !r.getKind().endsWith("WebhookConfiguration"))
                .toList();
        List<HasMetadata> fromOverlay = overlay().stream()
                .filter(r -> !(r instanceof GenericKubernetesResource))
                .filter(r -> !r.getKind().endsWith("WebhookConfiguration"))
                .toList();
        assertThat(fromOverlay).containsExactlyInAnyOrderElementsOf(fromBase);
    }

    @Test
    void webhooksDifferFromTheBaseOnlyInTheirCaSource() {
        for (String kind : List.of(Webhook.MUTATING, Webhook.VALIDATING)) {
            Webhook want = Webhook.only(BaseManifestsTest.base(), kind);
            Webhook got = Webhook.only(overlay(), kind);
            assertThat(got)
                    .usingRecursiveComparison()
                    .ignoringFields("configurationAnnotations", "clientConfig.caBundle")
                    .isEqualTo(want);
        }
    }

    @Test
    void servingCertificateNamesTheWebhookServiceAndFillsTheTlsSecret() {
        GenericKubernetesResource certificate = Manifests.generic(overlay(), "Certificate", "ordinal-webhook");
        assertThat(certificate.getApiVersion()).isEqualTo("cert-manager.io/v1");
        assertThat(certificate.getMetadata().getNamespace()).isEqualTo("ordinal-system");
        assertThat(spec(certificate)).containsEntry("secretName", "ordinal-webhook-tls");
        assertThat(spec(certificate).get("dnsNames")).asInstanceOf(LIST).containsExactlyInAnyOrderElementsOf(DNS_NAMES);
        assertThat(spec(certificate).get("usages")).asInstanceOf(LIST).contains("server auth");
        // The app reads PKCS#8 PEM, the form certs/gen-certs.sh writes too.
        assertThat(map(spec(certificate).get("privateKey"))).containsEntry("encoding", "PKCS8");
        assertThat(map(spec(certificate).get("issuerRef")))
                .containsEntry("kind", "Issuer")
                .containsEntry("name", "ordinal-ca");
    }

    @Test
    void caIssuerIsBootstrappedFromASelfSignedCaCertificate() {
        GenericKubernetesResource caIssuer = Manifests.generic(overlay(), "Issuer", "ordinal-ca");
        String caSecret = (String) map(spec(caIssuer).get("ca")).get("secretName");

        GenericKubernetesResource caCertificate = Manifests.generic(overlay(), "Certificate", "ordinal-ca");
        assertThat(spec(caCertificate)).containsEntry("isCA", true).containsEntry("secretName", caSecret);
        String bootstrapIssuer =
                (String) map(spec(caCertificate).get("issuerRef")).get("name");

        GenericKubernetesResource selfSigned = Manifests.generic(overlay(), "Issuer", bootstrapIssuer);
        assertThat(spec(selfSigned)).containsKey("selfSigned");
        assertThat(Stream.of(caIssuer, caCertificate, selfSigned))
                .allSatisfy(r -> assertThat(r.getMetadata().getNamespace()).isEqualTo("ordinal-system"));
    }

    @Test
    void everyTypedFieldIsKnownToTheKubernetesModel() {
        assertThat(overlay()).flatMap(Manifests::unknownFields).isEmpty();
    }

    private static Map<String, Object> spec(GenericKubernetesResource resource) {
        return map(resource.getAdditionalProperties().get("spec"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }
}
