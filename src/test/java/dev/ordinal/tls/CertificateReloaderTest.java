package dev.ordinal.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ordinal.tls.CertificateReloader.Outcome;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CertificateReloader#check()} and {@link ServingKeys} against files an updater writes: only a pair whose key
 * belongs to its certificate is served, a handshake never mixes two pairs, and the server is set up once. ({@code
 * TlsTest} covers the same classes on a running server.)
 */
class CertificateReloaderTest {

    private static final Path FIRST = Path.of("src/test/resources/tls");
    private static final Path RENEWED = Path.of("src/test/resources/tls/reload");

    @TempDir
    Path dir;

    private Vertx vertx;
    private ServingKeys keys;
    private CertificateReloader reloader;

    @BeforeEach
    void serveTheFirstPair() throws Exception {
        vertx = Vertx.vertx();
        write(FIRST.resolve("tls.crt"), FIRST.resolve("tls.key"));
        String cert = dir.resolve("tls.crt").toString();
        String key = dir.resolve("tls.key").toString();
        keys = new ServingKeys(vertx, cert, key);
        HttpServerOptions https = new HttpServerOptions();
        keys.customizeHttpsServer(https);
        assertThat(https.getKeyCertOptions().getKeyManagerFactory(vertx).getKeyManagers())
                .as("the server's key manager")
                .containsExactly(keys);
        reloader = new CertificateReloader(keys, vertx, null, cert, key);
    }

    @AfterEach
    void closeVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void unchangedFilesKeepTheServedPair() {
        ServingPair served = keys.serving();

        assertThat(reloader.check()).isEqualTo(Outcome.UNCHANGED);

        assertThat(keys.serving()).isSameAs(served);
        assertThat(subjectServedFor("RSA")).isEqualTo("CN=localhost");
    }

    @Test
    void filesWithTheBytesOfTheLastParsedCheckAreNotParsedAgain() throws IOException {
        assertThat(reloader.check()).isEqualTo(Outcome.UNCHANGED);
        write(FIRST.resolve("tls.crt"), FIRST.resolve("tls.key"));
        assertThat(reloader.check()).as("rewritten with the same bytes").isEqualTo(Outcome.UNCHANGED);
        assertThat(reloader.check()).isEqualTo(Outcome.UNCHANGED);
        assertThat(reloader.parses()).as("the files as parsed at start-up").isZero();

        write(RENEWED.resolve("tls.crt"), FIRST.resolve("tls.key"));
        assertThat(reloader.check()).isEqualTo(Outcome.KEY_DOES_NOT_MATCH);
        assertThat(reloader.check()).isEqualTo(Outcome.KEY_DOES_NOT_MATCH);
        assertThat(reloader.parses()).isEqualTo(1);

        Files.writeString(dir.resolve("tls.crt"), "-----BEGIN CERTIFICATE-----\nnot base64\n");
        assertThat(reloader.check()).isEqualTo(Outcome.UNREADABLE);
        assertThat(reloader.check()).isEqualTo(Outcome.UNREADABLE);
        assertThat(reloader.parses()).isEqualTo(2);

        write(RENEWED.resolve("tls.crt"), RENEWED.resolve("tls.key"));
        assertThat(reloader.check()).isEqualTo(Outcome.RELOADED);
        assertThat(reloader.check()).isEqualTo(Outcome.UNCHANGED);
        assertThat(reloader.parses()).isEqualTo(3);
        assertThat(subjectServedFor("RSA")).isEqualTo("CN=ordinal-reloaded");

        write(FIRST.resolve("tls.crt"), FIRST.resolve("tls.key"));
        assertThat(reloader.check()).as("back to the first pair's bytes").isEqualTo(Outcome.RELOADED);
        assertThat(subjectServedFor("RSA")).isEqualTo("CN=localhost");
    }

    @Test
    void aMissingFileIsUnreadableAndWhatReturnsIsComparedWithWhatIsServed() throws IOException {
        write(RENEWED.resolve("tls.crt"), RENEWED.resolve("tls.key"));
        assertThat(reloader.check()).isEqualTo(Outcome.RELOADED);
        Files.delete(dir.resolve("tls.key"));
        assertThat(reloader.check()).isEqualTo(Outcome.UNREADABLE);

        write(FIRST.resolve("tls.crt"), FIRST.resolve("tls.key"));
        assertThat(reloader.check())
                .as("the start-up's files again, while the renewed pair is served")
                .isEqualTo(Outcome.RELOADED);
        assertThat(subjectServedFor("RSA")).isEqualTo("CN=localhost");
        Files.delete(dir.resolve("tls.crt"));
        assertThat(reloader.check()).isEqualTo(Outcome.UNREADABLE);
        write(FIRST.resolve("tls.crt"), FIRST.resolve("tls.key"));
        assertThat(reloader.check()).isEqualTo(Outcome.UNCHANGED);
        assertThat(reloader.lastProblem())
                .as("cleared, so that the next outage is warned about again")
                .isNull();
    }

    @Test
    void aRenewedPairIsServedFromTheNextHandshake() {
        write(RENEWED.resolve("tls.crt"), RENEWED.resolve("tls.key"));

        assertThat(reloader.check()).isEqualTo(Outcome.RELOADED);
        assertThat(reloader.check()).isEqualTo(Outcome.UNCHANGED);

        assertThat(subjectServedFor("RSA")).isEqualTo("CN=ordinal-reloaded");
    }

    @Test
    void aNewCertificateBesideTheOldKeyIsNotServedUntilItsKeyArrives() {
        write(RENEWED.resolve("tls.crt"), FIRST.resolve("tls.key"));

        assertThat(reloader.check()).isEqualTo(Outcome.KEY_DOES_NOT_MATCH);
        assertThat(subjectServedFor("RSA")).isEqualTo("CN=localhost");

        write(RENEWED.resolve("tls.crt"), RENEWED.resolve("tls.key"));
        assertThat(reloader.check()).isEqualTo(Outcome.RELOADED);
        assertThat(subjectServedFor("RSA")).isEqualTo("CN=ordinal-reloaded");
    }

    @Test
    void unreadableFilesKeepTheServedPair() throws IOException {
        Files.writeString(dir.resolve("tls.crt"), "-----BEGIN CERTIFICATE-----\nnot base64\n");

        assertThat(reloader.check()).isEqualTo(Outcome.UNREADABLE);

        assertThat(subjectServedFor("RSA")).isEqualTo("CN=localhost");
    }

    @Test
    void aHandshakeThatChoseItsAliasBeforeASwapGetsTheChainAndKeyOfThatAlias() throws Exception {
        String chosen = keys.chooseEngineServerAlias("RSA", null, null);
        write(RENEWED.resolve("tls.crt"), RENEWED.resolve("tls.key"));
        assertThat(reloader.check()).isEqualTo(Outcome.RELOADED);

        ServingPair old = new ServingPair(keys.getCertificateChain(chosen), keys.getPrivateKey(chosen));
        assertThat(old.leaf().getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
        assertThat(old.matches())
                .as("chain and key of the alias chosen before the swap")
                .isTrue();
        String next = keys.chooseEngineServerAlias("RSA", null, null);
        assertThat(next).isNotEqualTo(chosen);
        assertThat(new ServingPair(keys.getCertificateChain(next), keys.getPrivateKey(next)).matches())
                .isTrue();
    }

    @Test
    void offersItsAliasOnlyForItsKeyAlgorithmAndOnlyToServers() {
        assertThat(keys.chooseEngineServerAlias("RSA", null, null)).isNotNull();
        assertThat(keys.getServerAliases("RSA", null)).hasSize(1);
        assertThat(keys.chooseEngineServerAlias("EC", null, null)).isNull();
        assertThat(keys.chooseEngineServerAlias("RSASSA-PSS", null, null)).isNull();
        assertThat(keys.chooseServerAlias("EC_RSA", null, null)).isNull();
        assertThat(keys.chooseClientAlias(new String[] {"RSA"}, null, null)).isNull();
        assertThat(keys.getCertificateChain("webhook-0")).isNull();
    }

    @Test
    void aCheckBeforeTheHttpsServerReadItsPairReadsNothing() {
        ServingKeys notYetServing = new ServingKeys(
                vertx, dir.resolve("tls.crt").toString(), dir.resolve("tls.key").toString());
        CertificateReloader early = new CertificateReloader(
                notYetServing,
                vertx,
                null,
                dir.resolve("tls.crt").toString(),
                dir.resolve("tls.key").toString());

        assertThat(early.check()).isEqualTo(Outcome.NOT_SERVING_YET);
        assertThat(early.parses()).isZero();
        assertThat(notYetServing.serving()).isNull();
    }

    @Test
    void aKeyThatDoesNotBelongToTheCertificateStopsTheStart() {
        write(RENEWED.resolve("tls.crt"), FIRST.resolve("tls.key"));
        ServingKeys fresh = new ServingKeys(
                vertx, dir.resolve("tls.crt").toString(), dir.resolve("tls.key").toString());

        assertThatThrownBy(() -> fresh.customizeHttpsServer(new HttpServerOptions()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not belong to the certificate in " + dir.resolve("tls.crt"));
    }

    private String subjectServedFor(String keyType) {
        String alias = keys.chooseEngineServerAlias(keyType, null, null);
        return keys.getCertificateChain(alias)[0].getSubjectX500Principal().getName();
    }

    private void write(Path cert, Path key) {
        try {
            Files.copy(cert, dir.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(key, dir.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
