package dev.ordinal.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeyPairsTest {

    static final Path TLS = Path.of("src/test/resources/tls");

    @ParameterizedTest(name = "{0} with {1}: {2}")
    @CsvSource({
        "tls.crt,              tls.key,              RSA,     true",
        "reload/tls.crt,       reload/tls.key,       RSA,     true",
        "tls.crt,              reload/tls.key,       RSA,     false",
        "pairs/ec-1.crt,       pairs/ec-1.key,       EC,      true",
        "pairs/ec-1.crt,       pairs/ec-2.key,       EC,      false",
        "pairs/ed25519-2.crt,  pairs/ed25519-2.key,  Ed25519, true",
        "pairs/ed25519-1.crt,  pairs/ed25519-2.key,  Ed25519, false",
        "tls.crt,              pairs/ec-1.key,       EC,      false",
        "pairs/ec-1.crt,       pairs/ed25519-1.key,  Ed25519, false",
    })
    void tellsWhetherTheKeyBelongsToTheCertificate(String cert, String key, String keyAlgorithm, boolean together)
            throws Exception {
        assertThat(KeyPairs.belongTogether(certificate(cert), privateKey(key, keyAlgorithm)))
                .isEqualTo(together);
    }

    static X509Certificate certificate(String file) throws Exception {
        try (InputStream in = Files.newInputStream(TLS.resolve(file))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    static PrivateKey privateKey(String file, String algorithm) throws Exception {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8(file)));
    }

    private static byte[] pkcs8(String file) throws IOException {
        String pem = Files.readString(TLS.resolve(file));
        String body = pem.substring(
                pem.indexOf("-----BEGIN PRIVATE KEY-----") + 27, pem.indexOf("-----END PRIVATE KEY-----"));
        return Base64.getMimeDecoder().decode(body);
    }
}
