package dev.ordinal.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.tls.CertificateReloader.Outcome;
import io.quarkus.tls.BaseTlsConfiguration;
import io.quarkus.tls.CertificateUpdatedEvent;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.NotificationOptions;
import jakarta.enterprise.util.TypeLiteral;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CertificateReloader#check()} against files an updater writes at the worst moment: between the check's read
 * and the registry's reload, which reads them again. Only a pair whose key belongs to its certificate may reach the
 * server, and only once per real change. ({@code TlsTest} covers the same class on a running server.)
 */
class CertificateReloaderTest {

    private static final Path FIRST = Path.of("src/test/resources/tls");
    private static final Path RENEWED = Path.of("src/test/resources/tls/reload");

    @TempDir
    Path dir;

    private Vertx vertx;
    private FileBackedConfiguration registered;
    private final List<CertificateUpdatedEvent> fired = new ArrayList<>();
    private CertificateReloader reloader;

    @BeforeEach
    void serveTheFirstPair() throws Exception {
        vertx = Vertx.vertx();
        write(FIRST.resolve("tls.crt"), FIRST.resolve("tls.key"));
        registered = new FileBackedConfiguration(dir.resolve("tls.crt"), dir.resolve("tls.key"));
        reloader = new CertificateReloader(
                new OneConfiguration(registered),
                new RecordingEvent(fired),
                vertx,
                null,
                dir.resolve("tls.crt").toString(),
                dir.resolve("tls.key").toString());
    }

    @AfterEach
    void closeVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void unchangedFilesHandTheServerNothing() {
        assertThat(reloader.check()).isEqualTo(Outcome.UNCHANGED);
        assertThat(reloader.check()).isEqualTo(Outcome.UNCHANGED);
        assertThat(fired).isEmpty();
    }

    @Test
    void aRenewedPairIsHandedToTheServerOnce() throws Exception {
        write(RENEWED.resolve("tls.crt"), RENEWED.resolve("tls.key"));

        assertThat(reloader.check()).isEqualTo(Outcome.RELOADED);
        assertThat(reloader.check()).isEqualTo(Outcome.UNCHANGED);

        assertThat(fired).hasSize(1);
        assertThat(subject(fired.get(0).tlsConfiguration())).isEqualTo("CN=ordinal-reloaded");
    }

    @Test
    void aNewCertificateBesideTheOldKeyIsNotReloaded() throws Exception {
        write(RENEWED.resolve("tls.crt"), FIRST.resolve("tls.key"));

        assertThat(reloader.check()).isEqualTo(Outcome.KEY_DOES_NOT_MATCH);

        assertThat(registered.reloads).isZero();
        assertThat(fired).isEmpty();
    }

    @Test
    void aPairTornBetweenTheCheckAndTheReloadIsNotHandedToTheServer() throws Exception {
        write(RENEWED.resolve("tls.crt"), RENEWED.resolve("tls.key"));
        // The check reads the renewed pair; then an updater writing file by file puts the old key back just before
        // the registry reads the files again.
        registered.beforeReading = () -> write(RENEWED.resolve("tls.crt"), FIRST.resolve("tls.key"));

        assertThat(reloader.check()).isEqualTo(Outcome.KEY_DOES_NOT_MATCH);
        assertThat(fired).isEmpty();

        registered.beforeReading = () -> {};
        write(RENEWED.resolve("tls.crt"), RENEWED.resolve("tls.key"));
        assertThat(reloader.check()).isEqualTo(Outcome.RELOADED);
        assertThat(fired).hasSize(1);
        assertThat(subject(fired.get(0).tlsConfiguration())).isEqualTo("CN=ordinal-reloaded");
    }

    @Test
    void filesBackToTheServedPairAfterATornReloadSwapNothing() throws Exception {
        write(RENEWED.resolve("tls.crt"), RENEWED.resolve("tls.key"));
        registered.beforeReading = () -> write(RENEWED.resolve("tls.crt"), FIRST.resolve("tls.key"));
        assertThat(reloader.check()).isEqualTo(Outcome.KEY_DOES_NOT_MATCH);
        assertThat(subject(registered)).as("the registry holds the torn pair").isEqualTo("CN=ordinal-reloaded");

        registered.beforeReading = () -> {};
        write(FIRST.resolve("tls.crt"), FIRST.resolve("tls.key"));
        assertThat(reloader.check()).isEqualTo(Outcome.UNCHANGED);
        assertThat(fired).as("the server still serves the first pair: no swap").isEmpty();

        write(RENEWED.resolve("tls.crt"), RENEWED.resolve("tls.key"));
        assertThat(reloader.check()).isEqualTo(Outcome.RELOADED);
        assertThat(subject(fired.get(0).tlsConfiguration())).isEqualTo("CN=ordinal-reloaded");
    }

    @Test
    void aPairReplacedByAnotherMatchingPairDuringTheReloadServesTheOneLoaded() throws Exception {
        write(RENEWED.resolve("tls.crt"), RENEWED.resolve("tls.key"));
        registered.beforeReading = () -> write(FIRST.resolve("tls.crt"), FIRST.resolve("tls.key"));

        assertThat(reloader.check())
                .as("the files went back to the served pair before the registry read them")
                .isEqualTo(Outcome.UNCHANGED);
        assertThat(fired).isEmpty();
    }

    private void write(Path cert, Path key) {
        try {
            Files.copy(cert, dir.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(key, dir.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String subject(TlsConfiguration configuration) throws Exception {
        KeyStore store = configuration.getKeyStore();
        for (String alias : Collections.list(store.aliases())) {
            if (store.getCertificate(alias) instanceof X509Certificate certificate) {
                return certificate.getSubjectX500Principal().getName();
            }
        }
        throw new AssertionError("no certificate");
    }

    /** What Quarkus' registry keeps for a PEM pair: the files' bytes as read at start or at the last reload. */
    private final class FileBackedConfiguration extends BaseTlsConfiguration {
        private final Path cert;
        private final Path key;
        private PemKeyCertOptions options;
        private KeyStore store;
        Runnable beforeReading = () -> {};
        int reloads;

        FileBackedConfiguration(Path cert, Path key) throws Exception {
            this.cert = cert;
            this.key = key;
            read();
        }

        private void read() throws Exception {
            options = new PemKeyCertOptions()
                    .addCertValue(Buffer.buffer(Files.readAllBytes(cert)))
                    .addKeyValue(Buffer.buffer(Files.readAllBytes(key)));
            store = options.loadKeyStore(vertx);
        }

        @Override
        public boolean reload() {
            reloads++;
            beforeReading.run();
            try {
                read();
                return true;
            } catch (Exception e) {
                return false;
            }
        }

        @Override
        public KeyStore getKeyStore() {
            return store;
        }

        @Override
        public KeyCertOptions getKeyStoreOptions() {
            return options;
        }
    }

    private record OneConfiguration(TlsConfiguration configuration) implements TlsConfigurationRegistry {
        @Override
        public Optional<TlsConfiguration> get(String name) {
            return CertificateReloader.CONFIGURATION.equals(name) ? Optional.of(configuration) : Optional.empty();
        }

        @Override
        public Optional<TlsConfiguration> getDefault() {
            return Optional.empty();
        }

        @Override
        public void register(String name, TlsConfiguration configuration) {
            throw new UnsupportedOperationException();
        }
    }

    private record RecordingEvent(List<CertificateUpdatedEvent> fired) implements Event<CertificateUpdatedEvent> {
        @Override
        public void fire(CertificateUpdatedEvent event) {
            fired.add(event);
        }

        @Override
        public <U extends CertificateUpdatedEvent> CompletionStage<U> fireAsync(U event) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <U extends CertificateUpdatedEvent> CompletionStage<U> fireAsync(U event, NotificationOptions options) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Event<CertificateUpdatedEvent> select(Annotation... qualifiers) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <U extends CertificateUpdatedEvent> Event<U> select(Class<U> subtype, Annotation... qualifiers) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <U extends CertificateUpdatedEvent> Event<U> select(TypeLiteral<U> subtype, Annotation... qualifiers) {
            throw new UnsupportedOperationException();
        }
    }
}
