package dev.ordinal.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** certs/gen-certs.sh makes a CA and a serving certificate the API server accepts, and fills deploy/local. */
class GenCertsTest {

    static final Path SCRIPT = Manifests.ROOT.resolve("certs/gen-certs.sh");
    static final List<String> DNS_NAMES = CertManagerOverlayTest.DNS_NAMES;
    static final int SAN_DNS = 2;
    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    @TempDir
    Path tmp;

    Path out;

    @BeforeEach
    void requireTools() {
        assertTrue(Commands.available("bash", "-c", "true"), "bash is not on the PATH; it runs certs/gen-certs.sh");
        assertTrue(Commands.available("openssl", "version"), "openssl is not on the PATH; certs/gen-certs.sh needs it");
        // Same layout as the repository, so deploy/local's ../../certs/out resolves to the output.
        out = tmp.resolve("certs/out");
    }

    @Test
    void writesCertificatesAndTheKustomizeComponent() {
        generate();
        assertThat(out)
                .isDirectoryContaining("glob:**/ca.crt")
                .isDirectoryContaining("glob:**/ca.key")
                .isDirectoryContaining("glob:**/ca-bundle.crt")
                .isDirectoryContaining("glob:**/tls.crt")
                .isDirectoryContaining("glob:**/tls.key")
                .isDirectoryContaining("glob:**/tls-secret.yaml")
                .isDirectoryContaining("glob:**/cabundle-patch.yaml")
                .isDirectoryContaining("glob:**/kustomization.yaml");
        assertThat(out).isDirectoryNotContaining("glob:**/*.{csr,srl,cnf}");
    }

    @Test
    void servingCertificateNamesAllFourServiceDnsNames() throws Exception {
        generate();
        List<String> names = new ArrayList<>();
        for (List<?> san : cert("tls.crt").getSubjectAlternativeNames()) {
            if ((Integer) san.get(0) == SAN_DNS) {
                names.add((String) san.get(1));
            }
        }
        assertThat(names).containsExactlyInAnyOrderElementsOf(DNS_NAMES);
    }

    @Test
    void servingCertificateChainsToTheCa() throws Exception {
        generate();
        X509Certificate ca = cert("ca.crt");
        X509Certificate serving = cert("tls.crt");

        assertThat(ca.getBasicConstraints()).as("CA basicConstraints").isGreaterThanOrEqualTo(0);
        assertThat(ca.getKeyUsage()[5]).as("CA keyCertSign").isTrue();
        assertThat(serving.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertThatCode(() -> serving.verify(ca.getPublicKey()))
                .as("signature by the CA key")
                .doesNotThrowAnyException();
        assertThatCode(() -> ca.verify(ca.getPublicKey())).as("self-signed CA").doesNotThrowAnyException();
        assertThat(serving.getBasicConstraints()).as("not a CA").isEqualTo(-1);
        assertThat(serving.getExtendedKeyUsage()).contains(SERVER_AUTH);
        serving.checkValidity();
        ca.checkValidity();
    }

    @Test
    void opensslAgreesTheChainVerifies() {
        generate();
        String verified = Commands.run(out, Map.of(), List.of("openssl", "verify", "-CAfile", "ca.crt", "tls.crt"))
                .stdoutOrFail();
        assertThat(verified.strip()).isEqualTo("tls.crt: OK");
    }

    @Test
    void privateKeysAreReadableByTheOwnerOnly() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "no POSIX permissions");
        generate();
        for (String key : List.of("ca.key", "tls.key", "tls-secret.yaml")) {
            assertThat(Files.getPosixFilePermissions(out.resolve(key)))
                    .as(key)
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        }
    }

    @Test
    void privateKeyIsPkcs8Pem() throws IOException {
        generate();
        assertThat(Files.readString(out.resolve("tls.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void secondRunKeepsAValidCaAndCertificate() throws IOException {
        generate();
        byte[] ca = Files.readAllBytes(out.resolve("ca.crt"));
        byte[] serving = Files.readAllBytes(out.resolve("tls.crt"));

        generate();

        assertThat(out.resolve("ca.crt")).hasBinaryContent(ca);
        assertThat(out.resolve("tls.crt")).hasBinaryContent(serving);
    }

    @Test
    void forceMakesANewCaAndCertificate() throws Exception {
        generate();
        byte[] ca = Files.readAllBytes(out.resolve("ca.crt"));

        generate("--force");

        assertThat(Files.readAllBytes(out.resolve("ca.crt"))).isNotEqualTo(ca);
        cert("tls.crt").verify(cert("ca.crt").getPublicKey());
    }

    @Test
    void renewIssuesANewServingCertificateAndKeyFromTheSameCa() throws Exception {
        generate();
        byte[] ca = Files.readAllBytes(out.resolve("ca.crt"));
        byte[] bundle = Files.readAllBytes(out.resolve("ca-bundle.crt"));
        X509Certificate serving = cert("tls.crt");
        byte[] key = Files.readAllBytes(out.resolve("tls.key"));

        generate("--renew");

        assertThat(out.resolve("ca.crt")).hasBinaryContent(ca);
        assertThat(out.resolve("ca-bundle.crt")).as("caBundle left as it is").hasBinaryContent(bundle);
        assertThat(cert("tls.crt").getSerialNumber()).isNotEqualTo(serving.getSerialNumber());
        assertThat(Files.readAllBytes(out.resolve("tls.key"))).as("a new key").isNotEqualTo(key);
        cert("tls.crt").verify(cert("ca.crt").getPublicKey());
        assertThat(cert("tls.crt").getSubjectAlternativeNames())
                .containsExactlyElementsOf(serving.getSubjectAlternativeNames());
    }

    @Test
    void firstCaBundleIsJustTheCa() throws Exception {
        generate();
        assertThat(certs("ca-bundle.crt")).containsExactly(cert("ca.crt"));
    }

    @Test
    void newCaBundleStillTrustsThePreviousCaSoServingPodsKeepWorking() throws Exception {
        generate();
        X509Certificate oldCa = cert("ca.crt");
        X509Certificate oldServing = cert("tls.crt");

        generate("--force");

        X509Certificate newCa = cert("ca.crt");
        assertThat(certs("ca-bundle.crt")).containsExactly(newCa, oldCa);
        cert("tls.crt").verify(newCa.getPublicKey());
        oldServing.verify(oldCa.getPublicKey());
    }

    @Test
    void missingServingCertificateIsReissuedByTheSameCa() throws Exception {
        generate();
        byte[] ca = Files.readAllBytes(out.resolve("ca.crt"));
        Files.delete(out.resolve("tls.crt"));

        generate();

        assertThat(out.resolve("ca.crt")).hasBinaryContent(ca);
        cert("tls.crt").verify(cert("ca.crt").getPublicKey());
    }

    @Test
    void caCloseToExpiryIsReplaced() throws IOException {
        // Ten days is inside the script's 30-day renewal window.
        generate(Map.of("ORDINAL_CA_DAYS", "10"));
        byte[] ca = Files.readAllBytes(out.resolve("ca.crt"));

        generate();

        assertThat(Files.readAllBytes(out.resolve("ca.crt"))).isNotEqualTo(ca);
    }

    @Test
    void unknownArgumentIsRejected() {
        Commands.Result result = runScript(Map.of(), "--frobnicate");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).contains("unknown argument: --frobnicate");
    }

    @Test
    void deployLocalRendersTheGeneratedSecretAndCaBundle() throws IOException {
        generate();
        copyTree(Manifests.DEPLOY, tmp.resolve("deploy"));
        Base64.Encoder base64 = Base64.getEncoder();

        List<HasMetadata> local = Manifests.render(tmp.resolve("deploy/local"));

        Secret secret = Manifests.one(local, Secret.class, "ordinal-webhook-tls");
        assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
        assertThat(secret.getData())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "tls.crt", base64.encodeToString(Files.readAllBytes(out.resolve("tls.crt"))),
                        "tls.key", base64.encodeToString(Files.readAllBytes(out.resolve("tls.key")))));
        String caBundle = base64.encodeToString(Files.readAllBytes(out.resolve("ca-bundle.crt")));
        for (String kind : List.of(Webhook.MUTATING, Webhook.VALIDATING)) {
            assertThat(Webhook.of(local, kind))
                    .as(kind)
                    .singleElement()
                    .satisfies(webhook ->
                            assertThat(webhook.clientConfig().getCaBundle()).isEqualTo(caBundle));
        }
    }

    @Test
    void deployLocalDiffersFromTheBaseOnlyInTlsMaterial() throws IOException {
        generate();
        copyTree(Manifests.DEPLOY, tmp.resolve("deploy"));
        List<HasMetadata> base = Manifests.render(Manifests.DEPLOY.resolve("base"));

        List<HasMetadata> local = Manifests.render(tmp.resolve("deploy/local"));

        assertThat(Manifests.ids(local)).containsExactlyInAnyOrderElementsOf(Manifests.ids(base));
        assertThat(withoutTlsMaterial(local)).containsExactlyInAnyOrderElementsOf(withoutTlsMaterial(base));
        for (String kind : List.of(Webhook.MUTATING, Webhook.VALIDATING)) {
            assertThat(Webhook.only(local, kind))
                    .usingRecursiveComparison()
                    .ignoringFields("clientConfig.caBundle")
                    .isEqualTo(Webhook.only(base, kind));
        }
    }

    private static List<HasMetadata> withoutTlsMaterial(List<HasMetadata> resources) {
        return resources.stream()
                .filter(r -> !(r instanceof Secret))
                .filter(r -> !r.getKind().endsWith("WebhookConfiguration"))
                .toList();
    }

    private void generate(String... args) {
        generate(Map.of(), args);
    }

    private void generate(Map<String, String> env, String... args) {
        Commands.Result result = runScript(env, args);
        result.stdoutOrFail();
    }

    private Commands.Result runScript(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        Map<String, String> environment = new HashMap<>(env);
        environment.put("ORDINAL_CERTS_OUT", out.toString());
        return Commands.run(Manifests.ROOT, environment, command);
    }

    private List<X509Certificate> certs(String file) throws Exception {
        try (InputStream in = Files.newInputStream(out.resolve(file))) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast)
                    .toList();
        }
    }

    private X509Certificate cert(String file) throws Exception {
        try (InputStream in = Files.newInputStream(out.resolve(file))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : paths.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
