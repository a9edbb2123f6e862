package dev.ordinal.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.support.PackagedApp;
import dev.ordinal.support.TrustAll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cipher suite the packaged app's webhook server chooses ({@link NativeCipherPreference}): the native executable
 * ChaCha20-Poly1305 whenever the client offers it, even last; the JVM the JDK's order, AES-GCM first. Both still serve
 * a client that offers AES-GCM only. The clients offer AES-GCM first, as OpenSSL and Go's TLS do on a CPU with AES-NI.
 */
class CipherPreferenceIT {

    static final String AES_256 = "TLS_AES_256_GCM_SHA384";
    static final String AES_128 = "TLS_AES_128_GCM_SHA256";
    static final String CHACHA = "TLS_CHACHA20_POLY1305_SHA256";

    static PackagedApp app;

    @BeforeAll
    static void start() throws Exception {
        Path log = Files.createTempFile("cipher-preference", ".log");
        app = PackagedApp.start(
                "https://127.0.0.1:" + PackagedApp.freePort(),
                Path.of("src/test/resources/tls").toAbsolutePath(),
                Map.of("ordinal.controller.enabled", "false"),
                PackagedApp.imageOptions(),
                log);
        app.awaitStarted(log, Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.close();
        }
    }

    /** The suite of a TLS 1.3 handshake with the webhook port, the client offering {@code offered} in that order. */
    static String negotiated(List<String> offered) throws Exception {
        try (SSLSocket socket =
                (SSLSocket) TrustAll.context().getSocketFactory().createSocket("127.0.0.1", app.httpsPort())) {
            socket.setEnabledProtocols(new String[] {"TLSv1.3"});
            socket.setEnabledCipherSuites(offered.toArray(String[]::new));
            socket.startHandshake();
            return socket.getSession().getCipherSuite();
        }
    }

    @Test
    void theNativeExecutableChoosesChaChaTheJvmAesGcm() throws Exception {
        String expected = PackagedApp.nativeRunner() != null ? CHACHA : AES_256;
        assertThat(negotiated(List.of(AES_256, AES_128, CHACHA))).isEqualTo(expected);
    }

    @Test
    void aClientWithoutChaChaIsServedAesGcm() throws Exception {
        assertThat(negotiated(List.of(AES_128))).isEqualTo(AES_128);
    }
}
