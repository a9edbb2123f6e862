package dev.ordinal.tls;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import jakarta.inject.Singleton;

/**
 * Has the HTTPS server take its TLS record buffers from Netty's pool instead of allocating them per write.
 *
 * <p>With the JDK's TLS engine, Netty's {@code SslHandler} asks the channel's allocator for a heap buffer of the
 * session's packet size (about 16.7 KB) for every record it writes, and another for what it decrypts. Vert.x 4.5's
 * server allocator pools only direct buffers, so each of those is a fresh {@code byte[]}: in an allocation profile of
 * {@code make bench} that was 49 % of everything the app allocated, more than decoding and reviewing the pod. Vert.x
 * added {@link JdkSSLEngineOptions#setPooledHeapBuffers} for this (eclipse-vertx/vert.x#5316, the default in Vert.x 5);
 * Quarkus exposes it only as the undocumented system property {@code quarkus.http.server.ssl.jdk.bufferPooling}, read
 * in a static initializer, so it is set here in code, for the JVM and the native executable alike. Only the HTTPS
 * server is changed; an engine other than the JDK's (OpenSSL) is left as configured.
 */
@Singleton
public class PooledTlsBuffers implements HttpServerOptionsCustomizer {

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        options.setSslEngineOptions(pooled(options.getSslEngineOptions()));
    }

    static SSLEngineOptions pooled(SSLEngineOptions configured) {
        if (configured == null) {
            return new JdkSSLEngineOptions().setPooledHeapBuffers(true);
        }
        if (configured instanceof JdkSSLEngineOptions jdk) {
            return jdk.copy().setPooledHeapBuffers(true);
        }
        return configured;
    }
}
