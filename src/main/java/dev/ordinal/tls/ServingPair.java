package dev.ordinal.tls;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import javax.net.ssl.X509KeyManager;

/** The webhook's certificate chain and private key, as read once from its two PEM files. */
record ServingPair(X509Certificate[] chain, PrivateKey key) {

    /**
     * Parses the pair from the files' bytes. Vert.x keeps the key in a key store guarded by a password of its own,
     * which its key manager holds; deriving that password's key is the expensive part, so a caller that checks files
     * periodically compares their bytes first.
     */
    static ServingPair parse(Vertx vertx, PemFiles files, String keyFile) throws Exception {
        PemKeyCertOptions pem = new PemKeyCertOptions()
                .addCertValue(Buffer.buffer(files.cert()))
                .addKeyValue(Buffer.buffer(files.key()));
        KeyStore store = pem.loadKeyStore(vertx);
        X509KeyManager keys = (X509KeyManager) pem.getKeyManagerFactory(vertx).getKeyManagers()[0];
        for (String alias : Collections.list(store.aliases())) {
            PrivateKey key = keys.getPrivateKey(alias);
            Certificate[] chain = store.getCertificateChain(alias);
            if (key != null && chain != null && chain.length > 0) {
                return new ServingPair(Arrays.copyOf(chain, chain.length, X509Certificate[].class), key);
            }
        }
        throw new GeneralSecurityException("no private key in " + keyFile);
    }

    X509Certificate leaf() {
        return chain[0];
    }

    /** Whether the key belongs to the leaf certificate: a TLS server can serve only such a pair. */
    boolean matches() throws GeneralSecurityException {
        return KeyPairs.belongTogether(leaf(), key);
    }

    /** What to say when {@link #matches()} is false: the start and the reload check say it alike. */
    static String keyMismatch(String certFile, String keyFile) {
        return "the key in " + keyFile + " does not belong to the certificate in " + certFile;
    }

    boolean sameCertificateAs(ServingPair other) throws GeneralSecurityException {
        return other != null && Arrays.equals(leaf().getEncoded(), other.leaf().getEncoded());
    }
}
