package dev.ordinal.firstrun;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.config.OutOfMemoryExit;
import dev.ordinal.support.MockApiServer;
import dev.ordinal.support.PackagedApp;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged application started as a new user starts it, with a required file missing or unusable: it must end
 * with a non-zero status and one line naming the file, the setting and how to create it; no stack trace. Besides
 * that line the output may hold only the Quarkus banner (printed before the check on some paths), blank lines, and
 * SmallRye Config's header {@code Configuration validation failed:} in front of it. And a start that succeeds prints
 * no deprecation warning about our configuration.
 */
class FirstRunIT {

    static final Path TEST_TLS = Path.of("src/test/resources/tls").toAbsolutePath();
    static final Duration EXIT_WITHIN = Duration.ofSeconds(90);
    /** Blank lines, the Quarkus banner's four lines of ASCII art (no letters) and SmallRye Config's header. */
    static final Pattern ALLOWED = Pattern.compile("^(\\s*|Configuration validation failed:|[\\s_\\\\/|,<>-]+)$");

    @TempDir
    Path dir;

    @Test
    void aMissingCertificateNamesTheFileTheSettingAndMakeCerts() throws Exception {
        Path cert = dir.resolve("missing.crt");
        assertOneLine(
                start(cert, TEST_TLS.resolve("tls.key"), Map.of()),
                "Ordinal cannot start: the TLS certificate "
                        + "file " + cert
                        + " does not exist (quarkus.tls.webhook.key-store.pem.0.cert (env ORDINAL_TLS_CERT)); "
                        + "`make certs` writes certs/out/tls.crt; start with ORDINAL_TLS_CERT=certs/out/tls.crt");
    }

    @Test
    void aKeyThatIsNotPemNamesTheKeySetting() throws Exception {
        Path key = Files.writeString(dir.resolve("tls.key"), "");
        assertOneLine(
                start(TEST_TLS.resolve("tls.crt"), key, Map.of()),
                "Ordinal cannot start: the TLS private key "
                        + "file " + key
                        + " holds no PEM block (-----BEGIN ...) (quarkus.tls.webhook.key-store.pem.0.key "
                        + "(env ORDINAL_TLS_KEY)); `make certs` writes certs/out/tls.key; start with "
                        + "ORDINAL_TLS_KEY=certs/out/tls.key");
    }

    @Test
    void aKeyPathThatIsADirectoryIsUnreadable() throws Exception {
        // The tests may run as root, who reads a file whatever its mode: a directory stands for an unreadable file.
        assertOneLine(
                start(TEST_TLS.resolve("tls.crt"), dir, Map.of()),
                "Ordinal cannot start: the TLS private key "
                        + "file " + dir
                        + " is a directory (quarkus.tls.webhook.key-store.pem.0.key (env ORDINAL_TLS_KEY)); "
                        + "`make certs` writes certs/out/tls.key; start with ORDINAL_TLS_KEY=certs/out/tls.key");
    }

    @Test
    void aMissingKubeconfigNamesKubeconfig() throws Exception {
        Path kubeconfig = dir.resolve("kubeconfig");
        assertOneLine(
                start(
                        TEST_TLS.resolve("tls.crt"),
                        TEST_TLS.resolve("tls.key"),
                        Map.of("KUBECONFIG", kubeconfig.toString())),
                "Ordinal cannot start: the kubeconfig file " + kubeconfig
                        + " does not exist (env KUBECONFIG); create it as docs/deploy.md shows (\"Running Ordinal "
                        + "outside the cluster\"), or unset KUBECONFIG inside a cluster");
    }

    @Test
    void aGoodStartPrintsNoDeprecationWarning() throws Exception {
        Path log = dir.resolve("start.log");
        try (PackagedApp app = PackagedApp.start(
                "https://127.0.0.1:" + PackagedApp.freePort(),
                TEST_TLS,
                Map.of("ordinal.controller.enabled", "false"),
                List.of("-Xmx256m"),
                log)) {
            app.awaitStarted(log, EXIT_WITHIN);
            List<String> lines = Files.readAllLines(log);
            assertThat(lines).as("started").anyMatch(l -> l.contains("started in"));
            assertThat(lines)
                    .as("no deprecation warning")
                    .noneMatch(l -> l.toLowerCase().contains("deprecat"));
        }
    }

    /**
     * Out of heap while taking in the first pod list, the app exits with status 3 and a line saying so, so that the
     * kubelet restarts it; the native executable ignores {@code -XX:+ExitOnOutOfMemoryError} and used to stay up,
     * unready, forever ({@code config.OutOfMemoryExit}).
     */
    @Test
    void runningOutOfHeapEndsTheProcess() throws Exception {
        KubernetesMockServer mock = MockApiServer.crud();
        try (KubernetesClient client = mock.createClient()) {
            // Chosen per runtime to make it throw OutOfMemoryError rather than only collect in a loop: the JVM throws
            // on a list of few large pods at 48 MiB and thrashes on many small ones at 32 MiB; the native executable
            // the other way round (it stopped without an error on the large pods). Neither hang is caught here: see
            // docs/benchmarks-notes.md.
            boolean nativeApp = PackagedApp.nativeRunner() != null;
            int pods = nativeApp ? 4000 : 600;
            String ballast = "x".repeat(nativeApp ? 2 * 1024 : 64 * 1024);
            MockApiServer.seed(
                    client,
                    "heavy",
                    pods,
                    n -> PodFixtures.stored("web", n)
                            .annotation("example.com/ballast", ballast)
                            .build());
            Path log = dir.resolve("oom.log");
            try (PackagedApp app = PackagedApp.start(
                    client.getMasterUrl().toString(),
                    TEST_TLS,
                    Map.of("ordinal.controller.enabled", "false"),
                    List.of(nativeApp ? "-Xmx32m" : "-Xmx48m"),
                    log)) {
                OptionalInt status = app.awaitExit(EXIT_WITHIN);
                List<String> lines = Files.readAllLines(log);
                assertThat(status).as("exit status; output: %s", lines).hasValue(OutOfMemoryExit.EXIT_CODE);
                assertThat(lines).anyMatch(l -> l.startsWith("Ordinal ran out of heap"));
            }
        } finally {
            mock.destroy();
        }
    }

    private PackagedApp.Exit start(Path cert, Path key, Map<String, String> env)
            throws IOException, InterruptedException {
        PackagedApp.Exit exit = PackagedApp.runUntilExit(
                List.of(
                        "-Dquarkus.tls.webhook.key-store.pem.0.cert=" + cert,
                        "-Dquarkus.tls.webhook.key-store.pem.0.key=" + key,
                        "-Dquarkus.kubernetes-client.api-server-url=https://127.0.0.1:1"),
                env,
                EXIT_WITHIN,
                dir.resolve("run.log"));
        assertThat(exit).as("exited within %s", EXIT_WITHIN).isNotNull();
        return exit;
    }

    private static void assertOneLine(PackagedApp.Exit exit, String want) {
        assertThat(exit.status()).as("exit status; output: %s", exit.lines()).isNotZero();
        List<String> rest = new ArrayList<>();
        int found = 0;
        for (String line : exit.lines()) {
            if (line.strip().equals(want)) {
                found++;
            } else if (!ALLOWED.matcher(line).matches()) {
                rest.add(line);
            }
        }
        assertThat(found).as("the line %s once in %s", want, exit.lines()).isEqualTo(1);
        assertThat(rest)
                .as("lines besides the banner, the header and the one line")
                .isEmpty();
    }
}
