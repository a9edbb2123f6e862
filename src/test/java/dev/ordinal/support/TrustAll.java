package dev.ordinal.support;

import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** TLS clients for tests that talk to the app below RestAssured: raw sockets and the JDK HTTP client. */
public final class TrustAll {

    private TrustAll() {}

    /** A TLS context that accepts any server certificate (the test certificate is self-signed). */
    public static SSLContext context() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new AnyCertificate()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP/1.1 client for {@code https://localhost:<port>} that trusts the test certificate. */
    public static HttpClient httpClient() {
        return HttpClient.newBuilder()
                .sslContext(context())
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** Accepts every certificate: these tests probe the server's behaviour, not its identity. */
    static final class AnyCertificate implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
