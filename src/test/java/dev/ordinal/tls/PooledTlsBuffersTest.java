package dev.ordinal.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.support.AdmissionClient;
import io.netty.buffer.PooledByteBufAllocator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import org.junit.jupiter.api.Test;

/** The HTTPS server's TLS records come from Netty's heap pool, not a fresh 16 KB array per write. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class PooledTlsBuffersTest {

    @Test
    void withNothingConfiguredTheJdkEngineGetsPooledHeapBuffers() {
        assertThat(PooledTlsBuffers.pooled(null))
                .isInstanceOfSatisfying(
                        JdkSSLEngineOptions.class,
                        jdk -> assertThat(jdk.isPooledHeapBuffers()).isTrue());
    }

    @Test
    void aConfiguredJdkEngineKeepsItsOtherSettingsAndIsNotChangedInPlace() {
        JdkSSLEngineOptions configured = new JdkSSLEngineOptions().setUseWorkerThread(true);
        SSLEngineOptions pooled = PooledTlsBuffers.pooled(configured);
        assertThat(pooled).isInstanceOfSatisfying(JdkSSLEngineOptions.class, jdk -> {
            assertThat(jdk.isPooledHeapBuffers()).isTrue();
            assertThat(jdk.getUseWorkerThread()).isTrue();
        });
        assertThat(configured.isPooledHeapBuffers()).isFalse();
    }

    @Test
    void anotherEngineIsLeftAsConfigured() {
        OpenSSLEngineOptions openSsl = new OpenSSLEngineOptions();
        assertThat(PooledTlsBuffers.pooled(openSsl)).isSameAs(openSsl);
    }

    @Test
    void onlyTheHttpsServerIsChanged() {
        HttpServerOptions plain = new HttpServerOptions();
        new PooledTlsBuffers().customizeHttpServer(plain);
        assertThat(plain.getSslEngineOptions()).isNull();
    }

    /**
     * Vert.x hands the channel {@link PooledByteBufAllocator#DEFAULT} only when pooled heap buffers are on (its own
     * pools are another instance, and nothing else here takes heap buffers from it), so after reviews over HTTPS an
     * unused default heap pool means the option did not reach the running server. Not a count of allocations: those
     * served from a thread's cache are not counted.
     */
    @Test
    void reviewsOverHttpsTakeTheirRecordsFromThePool() {
        for (int i = 0; i < 20; i++) {
            assertThat(AdmissionClient.post("/validate-pods", "{}", "application/json")
                            .statusCode())
                    .isEqualTo(400);
        }
        assertThat(PooledByteBufAllocator.DEFAULT.metric().usedHeapMemory())
                .as("bytes of Netty's default heap pool in use after 20 HTTPS requests")
                .isPositive();
    }
}
