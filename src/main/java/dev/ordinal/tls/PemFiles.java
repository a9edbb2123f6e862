package dev.ordinal.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The bytes of the webhook's certificate and key files, read one after the other. */
record PemFiles(byte[] cert, byte[] key) {

    static PemFiles read(String certFile, String keyFile) throws IOException {
        return new PemFiles(Files.readAllBytes(Path.of(certFile)), Files.readAllBytes(Path.of(keyFile)));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PemFiles that && Arrays.equals(cert, that.cert) && Arrays.equals(key, that.key);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(cert) + Arrays.hashCode(key);
    }

    @Override
    public String toString() {
        return "PemFiles[" + cert.length + " + " + key.length + " bytes]";
    }
}
