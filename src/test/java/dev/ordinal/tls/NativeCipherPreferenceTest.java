package dev.ordinal.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import java.util.List;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;

class NativeCipherPreferenceTest {

    @Test
    void movesTheChaChaSuitesFirstAndKeepsTheRestInOrder() {
        List<String> jdk = List.of(
                "TLS_AES_256_GCM_SHA384",
                "TLS_AES_128_GCM_SHA256",
                "TLS_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");

        assertThat(NativeCipherPreference.chaChaFirst(jdk))
                .containsExactly(
                        "TLS_CHACHA20_POLY1305_SHA256",
                        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                        "TLS_AES_256_GCM_SHA384",
                        "TLS_AES_128_GCM_SHA256",
                        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    }

    @Test
    void onTheJvmTheServerKeepsTheJdksOrderAndEngine() {
        HttpServerOptions options = new HttpServerOptions();
        new NativeCipherPreference().customizeHttpsServer(options);
        assertThat(options.getEnabledCipherSuites()).isEmpty();
        assertThat(options.getSslEngineOptions()).isNull();
    }

    @Test
    void theEnginesOfAServerOrderedContextChooseInTheServersOrder() throws Exception {
        SslContext context = NativeCipherPreference.serverOrdered(null)
                .sslContextFactory()
                .forClient(true)
                .create();
        SSLEngine engine = context.newEngine(ByteBufAllocator.DEFAULT);
        assertThat(engine.getSSLParameters().getUseCipherSuitesOrder()).isTrue();
        assertThat(engine.getEnabledCipherSuites()[0]).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
        assertThat(engine.getEnabledCipherSuites()).contains("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256");
    }

    @Test
    void keepsThePooledBuffersWhicheverCustomizerRunsFirst() {
        SSLEngineOptions pooledThenOrdered = NativeCipherPreference.serverOrdered(PooledTlsBuffers.pooled(null));
        SSLEngineOptions orderedThenPooled = PooledTlsBuffers.pooled(NativeCipherPreference.serverOrdered(null));
        for (SSLEngineOptions both : List.of(pooledThenOrdered, orderedThenPooled, orderedThenPooled.copy())) {
            assertThat(both).isInstanceOf(NativeCipherPreference.ServerOrdered.class);
            assertThat(((JdkSSLEngineOptions) both).isPooledHeapBuffers()).isTrue();
        }
    }

    /**
     * What the native executable's server does, on the JVM: a Vert.x HTTPS server with the engine options
     * {@link NativeCipherPreference} gives it chooses ChaCha20 for a client that offers AES-GCM first.
     */
    @Test
    void aVertxServerSoConfiguredChoosesChaChaForAClientPreferringAesGcm() throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            HttpServerOptions options = new HttpServerOptions()
                    .setSsl(true)
                    .setHost("127.0.0.1")
                    .setPort(0)
                    .setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions()
                            .setCertPath("src/test/resources/tls/tls.crt")
                            .setKeyPath("src/test/resources/tls/tls.key"));
            options.setSslEngineOptions(NativeCipherPreference.serverOrdered(PooledTlsBuffers.pooled(null)));
            io.vertx.core.http.HttpServer server = vertx.createHttpServer(options)
                    .requestHandler(request -> request.response().end())
                    .listen()
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get();
            try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) dev.ordinal.support.TrustAll.context()
                    .getSocketFactory()
                    .createSocket("127.0.0.1", server.actualPort())) {
                socket.setEnabledProtocols(new String[] {"TLSv1.3"});
                socket.setEnabledCipherSuites(
                        new String[] {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"
                        });
                socket.startHandshake();
                assertThat(socket.getSession().getCipherSuite()).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    @Test
    void leavesAnotherEngineAsConfigured() {
        OpenSSLEngineOptions openSsl = new OpenSSLEngineOptions();
        assertThat(NativeCipherPreference.serverOrdered(openSsl)).isSameAs(openSsl);
    }
}
