package dev.ordinal.tls;

import dev.ordinal.config.RequiredFiles;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The key manager of the webhook's HTTPS server: a renewed certificate is served from the next handshake without
 * replacing the server's TLS context.
 *
 * <p>Why not Quarkus' {@code CertificateUpdatedEvent}: it makes Vert.x 4.5 replace the HTTPS server's SSL context,
 * and {@code TCPServerBase.updateSSLOptions} publishes the new context before it is complete, so a connection
 * accepted in those milliseconds fails in its channel initializer (a NullPointerException) and is closed
 * mid-handshake. The API server does not retry that call; with {@code failurePolicy: Fail} the pod write fails. Here
 * the SSL context is built once, around this key manager, and a renewal only swaps what it hands out.
 *
 * <p>A handshake asks for an alias first, then for that alias's chain and key. Each pair gets an alias of its own,
 * and the previous pair stays reachable by its alias, so a handshake that chose an alias just before a swap still gets
 * a chain and key that belong together.
 */
@Singleton
public class ServingKeys extends X509ExtendedKeyManager implements HttpServerOptionsCustomizer {

    private record Generation(String alias, ServingPair pair) {}

    private final AtomicLong generations = new AtomicLong();
    private volatile Generation current;
    private volatile Generation previous;
    /** The files' bytes the first pair was parsed from at start-up. */
    private volatile PemFiles startedWith;

    private final Vertx vertx;
    private final String certFile;
    private final String keyFile;

    @Inject
    ServingKeys(
            Vertx vertx,
            @ConfigProperty(name = RequiredFiles.CERT_SETTING) String certFile,
            @ConfigProperty(name = RequiredFiles.KEY_SETTING) String keyFile) {
        this.vertx = vertx;
        this.certFile = certFile;
        this.keyFile = keyFile;
    }

    /** Takes the pair the files hold at start-up, and serves every handshake through this key manager. */
    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        ServingPair pair;
        PemFiles files;
        try {
            files = PemFiles.read(certFile, keyFile);
            pair = ServingPair.parse(vertx, files, keyFile);
            if (!pair.matches()) {
                throw new IllegalStateException(ServingPair.keyMismatch(certFile, keyFile));
            }
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot read the webhook certificate " + certFile + " and key " + keyFile + ": " + e.getMessage(),
                    e);
        }
        serve(pair);
        startedWith = files;
        options.setKeyCertOptions(KeyCertOptions.wrap(this));
    }

    /** The files' bytes the pair served at start-up was parsed from, or null before the HTTPS server was set up. */
    PemFiles startedWith() {
        return startedWith;
    }

    /** Serves {@code pair} from the next handshake on; the caller has checked that its key belongs to it. */
    void serve(ServingPair pair) {
        Generation next = new Generation("webhook-" + generations.incrementAndGet(), pair);
        previous = current;
        current = next;
    }

    /** The pair served now, or null before the HTTPS server was set up. */
    ServingPair serving() {
        Generation g = current;
        return g == null ? null : g.pair();
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        ServingPair pair = pair(alias);
        return pair == null ? null : pair.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        ServingPair pair = pair(alias);
        return pair == null ? null : pair.key();
    }

    /** A server only: no client certificates. */
    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    /**
     * The current alias if its key is of {@code keyType}: JSSE asks by key algorithm ({@code RSA}, {@code EC}), in
     * TLS 1.2 also with the signature algorithm of the certificate ({@code EC_RSA}), as the JDK's own key manager
     * matches them.
     */
    private String aliasFor(String keyType) {
        Generation g = current;
        if (g == null || keyType == null) {
            return null;
        }
        int sep = keyType.indexOf('_');
        String keyAlgorithm = sep < 0 ? keyType : keyType.substring(0, sep);
        X509Certificate leaf = g.pair().leaf();
        if (!keyAlgorithm.equals(leaf.getPublicKey().getAlgorithm())) {
            return null;
        }
        if (sep >= 0) {
            String signedWith = keyType.substring(sep + 1);
            if (!leaf.getSigAlgName().toUpperCase(Locale.ROOT).contains("WITH" + signedWith)) {
                return null;
            }
        }
        return g.alias();
    }

    private ServingPair pair(String alias) {
        Generation g = current;
        if (g != null && g.alias().equals(alias)) {
            return g.pair();
        }
        Generation p = previous;
        return p != null && p.alias().equals(alias) ? p.pair() : null;
    }
}
