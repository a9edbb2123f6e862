package dev.ordinal.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;

/** Whether a private key belongs to a certificate: what a TLS server needs before it serves the pair. */
final class KeyPairs {

    private static final byte[] PROBE = "ordinal key pair probe".getBytes(StandardCharsets.US_ASCII);

    private KeyPairs() {}

    static boolean belongTogether(X509Certificate certificate, PrivateKey key) throws GeneralSecurityException {
        PublicKey pub = certificate.getPublicKey();
        if (pub instanceof RSAKey publicRsa && key instanceof RSAKey privateRsa) {
            // RSA and RSASSA-PSS alike: one modulus, and no signature parameters to pick.
            return publicRsa.getModulus().equals(privateRsa.getModulus());
        }
        if (!pub.getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        Signature signer = Signature.getInstance(signatureAlgorithm(key.getAlgorithm()));
        signer.initSign(key);
        signer.update(PROBE);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(signatureAlgorithm(key.getAlgorithm()));
        verifier.initVerify(pub);
        verifier.update(PROBE);
        return verifier.verify(signature);
    }

    private static String signatureAlgorithm(String keyAlgorithm) throws GeneralSecurityException {
        return switch (keyAlgorithm) {
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> keyAlgorithm;
            case "DSA" -> "SHA256withDSA";
            default -> throw new GeneralSecurityException("cannot check a " + keyAlgorithm + " key pair");
        };
    }
}
