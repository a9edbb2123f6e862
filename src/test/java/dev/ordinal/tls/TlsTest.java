package dev.ordinal.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ordinal.support.AdmissionClient;
import dev.ordinal.support.TrustAll;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/** The webhook port speaks only TLS 1.2+, and a replaced certificate is served without a restart (SPEC §5). */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(TlsTest.ReloadingCertificate.class)
class TlsTest {

    @Inject
    CertificateUpdates updates;

    @Inject
    CertificateReloader reloader;

    static final Path LIVE = Path.of("target/tls-reload");

    /** Serves the certificate from a copy the test can replace, re-read every second. */
    public static class ReloadingCertificate implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                secretVolume(Path.of("src/test/resources/tls"), "..v1");
                Files.deleteIfExists(LIVE.resolve("tls.crt"));
                Files.deleteIfExists(LIVE.resolve("tls.key"));
                Files.createSymbolicLink(LIVE.resolve("tls.crt"), Path.of("..data/tls.crt"));
                Files.createSymbolicLink(LIVE.resolve("tls.key"), Path.of("..data/tls.key"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of(
                    "quarkus.tls.webhook.key-store.pem.0.cert",
                    LIVE.resolve("tls.crt").toString(),
                    "quarkus.tls.webhook.key-store.pem.0.key",
                    LIVE.resolve("tls.key").toString(),
                    "ordinal.tls.reload-period",
                    "1s");
        }
    }

    /**
     * Lays out {@code LIVE} as the kubelet's AtomicWriter does a Secret volume: the files live in a versioned
     * directory {@code version}, {@code ..data} links to it, and {@code tls.crt}/{@code tls.key} link through
     * {@code ..data}. An update writes a new directory and renames a new {@code ..data} link over the old one, so a
     * reader never sees a new key beside an old certificate. (Two file renames would: a reload between them read a
     * mismatched pair and failed a handshake, which a real Secret update never causes.)
     */
    static void secretVolume(Path from, String version) throws IOException {
        Path dir = Files.createDirectories(LIVE.resolve(version));
        Files.copy(from.resolve("tls.crt"), dir.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(from.resolve("tls.key"), dir.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING);
        Path next = LIVE.resolve("..data_tmp");
        Files.deleteIfExists(next);
        Files.createSymbolicLink(next, Path.of(version));
        Files.move(next, LIVE.resolve("..data"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * A renewed pair is served from the next handshake, without the server's TLS context ever being replaced (Vert.x
     * 4.5 closes handshakes that arrive while it replaces one; {@link ServingKeys} says why), so no handshake may fail
     * while the certificate changes.
     */
    @Test
    void servesAReplacedCertificateInAFreshHandshakeWithoutRestart() throws Exception {
        String served = servedSubject("TLSv1.3");
        String next = served.equals("CN=localhost") ? "CN=ordinal-reloaded" : "CN=localhost";
        int before = updates.count();
        Thread.sleep(3_500); // three reload periods with unchanged files
        assertThat(updates.count())
                .as("TLS context swaps without a file change")
                .isEqualTo(before);
        assertThat(reloader.check()).isEqualTo(CertificateReloader.Outcome.UNCHANGED);

        secretVolume(otherPair(served), "..v-renewed");
        AtomicInteger refusedDuringReload = new AtomicInteger();
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> servedSubjectOrNull("TLSv1.3", refusedDuringReload), next::equals);
        Thread.sleep(2_500);
        for (int i = 0; i < 20; i++) {
            assertThat(servedSubject("TLSv1.3"))
                    .as("handshake %d after the reload", i)
                    .isEqualTo(next);
        }
        assertThat(updates.count()).as("TLS context swaps for one rotation").isEqualTo(before);
        assertThat(refusedDuringReload)
                .as("handshakes refused while the certificate was swapped")
                .hasValue(0);
    }

    @Test
    void keepsServingTheOldPairWhileTheNewKeyDoesNotMatchItsCertificate() throws Exception {
        String served = servedSubject("TLSv1.3");
        Path other = otherPair(served);
        Path mixed = Files.createDirectories(Path.of("target/tls-mixed"));
        Files.copy(other.resolve("tls.crt"), mixed.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING);
        // A renewed certificate beside the old key: what an updater writing the files one by one shows for a moment.
        Files.copy(pairOf(served).resolve("tls.key"), mixed.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING);
        int before = updates.count();
        secretVolume(mixed, "..v-mixed");
        assertThat(reloader.check()).isEqualTo(CertificateReloader.Outcome.KEY_DOES_NOT_MATCH);
        Thread.sleep(2_500);
        assertThat(servedSubject("TLSv1.3")).isEqualTo(served);
        assertThat(updates.count()).isEqualTo(before);

        secretVolume(other, "..v-matching");
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> servedSubjectOrNull("TLSv1.3", new AtomicInteger()), s -> s != null && !s.equals(served));
    }

    /** The committed pair whose certificate has the subject {@code served}: the test pair or the renewed one. */
    private static Path pairOf(String served) {
        return Path.of(served.equals("CN=localhost") ? "src/test/resources/tls" : "src/test/resources/tls/reload");
    }

    /** The committed pair that is not {@code served}. */
    private static Path otherPair(String served) {
        return Path.of(served.equals("CN=localhost") ? "src/test/resources/tls/reload" : "src/test/resources/tls");
    }

    private static String servedSubjectOrNull(String protocol, AtomicInteger refused) throws Exception {
        try {
            return servedSubject(protocol);
        } catch (SSLException | SocketException e) {
            refused.incrementAndGet();
            return null;
        }
    }

    @Test
    void acceptsTls12AndTls13() throws Exception {
        assertThat(servedSubject("TLSv1.2")).isNotEmpty();
        assertThat(servedSubject("TLSv1.3")).isNotEmpty();
    }

    @Test
    void refusesTls11EvenFromAClientThatOffersIt() throws Exception {
        // The JDK's own client refuses TLS 1.1, so a JDK handshake failure would prove nothing; openssl with
        // security level 0 really offers it.
        org.junit.jupiter.api.Assumptions.assumeTrue(openssl("version") == 0, "openssl is not installed");
        int tls12 = openssl("s_client", "-connect", "127.0.0.1:" + AdmissionClient.httpsPort(), "-tls1_2");
        int tls11 = openssl(
                "s_client",
                "-connect",
                "127.0.0.1:" + AdmissionClient.httpsPort(),
                "-tls1_1",
                "-cipher",
                "DEFAULT@SECLEVEL=0");
        assertThat(tls12).as("openssl TLS 1.2 handshake exit code").isZero();
        assertThat(tls11).as("openssl TLS 1.1 handshake exit code").isNotZero();
    }

    @Test
    void plainHttpOnTheWebhookPortGetsNoAnswer() {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + AdmissionClient.httpsPort() + "/mutate-pods"))
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "application/json")
                .build();
        assertThatThrownBy(() -> {
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                    // Vert.x may answer a plain request on a TLS port with a bare 400; anything but a review is a
                    // refusal.
                    assertThat(response.body()).doesNotContain("AdmissionReview");
                    throw new IOException("answered " + response.statusCode() + " without a review");
                })
                .isInstanceOf(IOException.class);
    }

    private static String servedSubject(String protocol) throws Exception {
        // Trust anything: these tests look at which certificate is served, not whether to trust it.
        try (SSLSocket socket = (SSLSocket)
                TrustAll.context().getSocketFactory().createSocket("127.0.0.1", AdmissionClient.httpsPort())) {
            socket.setEnabledProtocols(new String[] {protocol});
            socket.startHandshake();
            assertThat(socket.getSession().getProtocol()).isEqualTo(protocol);
            X509Certificate cert = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            return cert.getSubjectX500Principal().getName();
        }
    }

    private static int openssl(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "openssl";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p;
        try {
            p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            return -1;
        }
        p.getOutputStream().close();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -2;
        }
        return p.exitValue();
    }
}
