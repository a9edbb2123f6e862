package dev.ordinal.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.SslContext;
import io.quarkus.runtime.ImageMode;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * In the native executable, has the HTTPS server choose ChaCha20-Poly1305 whenever the client offers it, as the API
 * server's Go client and OpenSSL do; on the JVM the JDK's order stays (AES-GCM first).
 *
 * <p>Why: on the JVM, AES-GCM runs on the JIT's AES-NI and carry-less-multiply intrinsics. A native image compiles
 * the JDK's Java code for it instead, and that costs per byte. A mutation's answer carries a patch of 0.7–1.2 KB, and
 * with AES-GCM the native executable paid 62 µs of CPU more for a new ordinal than for its no-op pair, against the
 * JVM's 5. With ChaCha20-Poly1305 it paid 24, and served 15,571 req/s instead of 10,997 (docs/benchmarks-notes.md,
 * thirteenth pass). ChaCha20-Poly1305 is additions, rotations and XORs, which compile well ahead of time.
 *
 * <p>How: each of the server's engines keeps the suites it has enabled, with the ChaCha20 ones moved first, and
 * chooses in that order ({@link SSLParameters#setUseCipherSuitesOrder}). Behind Vert.x the JDK otherwise takes the
 * client's order, and a list put in the server's options in that order did not reach the engine in that order (a
 * test server still chose AES-GCM). AES-GCM stays enabled, so a client without ChaCha20 (a FIPS-mode API server, for
 * one) is still served. A list configured in {@code quarkus.tls.webhook.cipher-suites} is left as it is, and so is
 * an engine other than the JDK's.
 */
@Singleton
public class NativeCipherPreference implements HttpServerOptionsCustomizer {

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        if (ImageMode.current() == ImageMode.NATIVE_RUN
                && options.getEnabledCipherSuites().isEmpty()) {
            options.setSslEngineOptions(serverOrdered(options.getSslEngineOptions()));
        }
    }

    /** {@code suites} in the same order, except that the ChaCha20-Poly1305 ones come first. */
    static List<String> chaChaFirst(List<String> suites) {
        List<String> ordered = new ArrayList<>();
        suites.stream().filter(NativeCipherPreference::chaCha).forEach(ordered::add);
        suites.stream().filter(s -> !chaCha(s)).forEach(ordered::add);
        return ordered;
    }

    private static boolean chaCha(String suite) {
        return suite.contains("CHACHA20_POLY1305");
    }

    /**
     * The JDK engine options {@code configured} (pooled buffers and all, {@link PooledTlsBuffers}) whose engines choose
     * the cipher suite in the server's order; another engine (OpenSSL) as it is.
     */
    static SSLEngineOptions serverOrdered(SSLEngineOptions configured) {
        if (configured == null) {
            return new ServerOrdered(new JdkSSLEngineOptions());
        }
        return configured instanceof JdkSSLEngineOptions jdk ? new ServerOrdered(jdk) : configured;
    }

    /** JDK engine options whose contexts put ChaCha20 first on every engine and have it choose; copies stay so. */
    static final class ServerOrdered extends JdkSSLEngineOptions {

        ServerOrdered(JdkSSLEngineOptions other) {
            super(other);
        }

        @Override
        public JdkSSLEngineOptions copy() {
            return new ServerOrdered(this);
        }

        @Override
        public SslContextFactory sslContextFactory() {
            return new ServerOrderedFactory(super.sslContextFactory());
        }
    }

    /** Vert.x's context factory, every setting passed on, whose contexts set up each engine first. */
    static final class ServerOrderedFactory implements SslContextFactory {

        private SslContextFactory factory;

        ServerOrderedFactory(SslContextFactory factory) {
            this.factory = factory;
        }

        @Override
        public SslContextFactory useAlpn(boolean useAlpn) {
            factory = factory.useAlpn(useAlpn);
            return this;
        }

        @Override
        public SslContextFactory clientAuth(ClientAuth clientAuth) {
            factory = factory.clientAuth(clientAuth);
            return this;
        }

        @Override
        public SslContextFactory forClient(boolean forClient) {
            factory = factory.forClient(forClient);
            return this;
        }

        @Override
        public SslContextFactory keyMananagerFactory(KeyManagerFactory kmf) {
            factory = factory.keyMananagerFactory(kmf);
            return this;
        }

        @Override
        public SslContextFactory trustManagerFactory(TrustManagerFactory tmf) {
            factory = factory.trustManagerFactory(tmf);
            return this;
        }

        @Override
        public SslContextFactory enabledCipherSuites(Set<String> suites) {
            factory = factory.enabledCipherSuites(suites);
            return this;
        }

        @Override
        public SslContextFactory applicationProtocols(List<String> protocols) {
            factory = factory.applicationProtocols(protocols);
            return this;
        }

        @Override
        public SslContextFactory serverName(String serverName) {
            factory = factory.serverName(serverName);
            return this;
        }

        @Override
        public SslContext create() throws SSLException {
            return new DelegatingSslContext(factory.create()) {
                @Override
                protected void initEngine(SSLEngine engine) {
                    SSLParameters parameters = engine.getSSLParameters();
                    parameters.setCipherSuites(
                            chaChaFirst(List.of(parameters.getCipherSuites())).toArray(String[]::new));
                    parameters.setUseCipherSuitesOrder(true);
                    engine.setSSLParameters(parameters);
                }
            };
        }
    }
}
