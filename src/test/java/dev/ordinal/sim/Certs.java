package dev.ordinal.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away CA and a serving certificate for localhost/127.0.0.1 made with openssl at run time, as
 * {@code certs/} does for a cluster: the CA goes into the chain's trust (the {@code caBundle}), the pair into the
 * app's TLS configuration.
 *
 * @param ca the CA certificate (PEM), the trust anchor
 * @param cert the serving certificate (PEM), signed by the CA
 * @param key the serving key (PEM, PKCS#8)
 */
public record Certs(Path ca, Path cert, Path key) {

    /** Generates the CA and serving pair into {@code dir}. Needs {@code openssl} on the PATH. */
    public static Certs generate(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(
                    dir.resolve("serving.ext"),
                    String.join(
                            "\n",
                            "basicConstraints=critical,CA:FALSE",
                            "keyUsage=critical,digitalSignature,keyEncipherment",
                            "extendedKeyUsage=serverAuth",
                            "subjectAltName=DNS:localhost,IP:127.0.0.1",
                            ""),
                    StandardCharsets.UTF_8);
            openssl(
                    dir,
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "2",
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.crt",
                    "-subj",
                    "/CN=ordinal-sim-ca",
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign");
            openssl(
                    dir,
                    "req",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    "tls.key",
                    "-out",
                    "tls.csr",
                    "-subj",
                    "/CN=localhost");
            openssl(
                    dir,
                    "x509",
                    "-req",
                    "-in",
                    "tls.csr",
                    "-CA",
                    "ca.crt",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-days",
                    "2",
                    "-sha256",
                    "-extfile",
                    "serving.ext",
                    "-out",
                    "tls.crt");
            return new Certs(dir.resolve("ca.crt"), dir.resolve("tls.crt"), dir.resolve("tls.key"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Path log = dir.resolve("openssl.log");
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("openssl " + args[0] + " did not finish in 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed (exit " + p.exitValue() + "):\n"
                    + Files.readString(log));
        }
    }
}
