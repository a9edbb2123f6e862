package dev.ordinal.tls;

import dev.ordinal.config.OrdinalConfig;
import dev.ordinal.config.RequiredFiles;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.tls.CertificateUpdatedEvent;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.X509KeyManager;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Serves a renewed webhook certificate without a restart, and swaps the server's TLS context only when the files
 * really changed.
 *
 * <p>Why not {@code quarkus.tls.webhook.reload-period}: Quarkus' periodic updater re-reads the files and fires
 * {@link CertificateUpdatedEvent} every period whether or not they changed, and every event makes Vert.x 4.5 replace
 * the HTTPS server's SSL context. {@code TCPServerBase.updateSSLOptions} publishes the new context as a future before
 * it completes, so a connection accepted in those few milliseconds fails in its channel initializer (a
 * NullPointerException) and is closed mid-handshake. The API server does not retry such a call; with
 * {@code failurePolicy: Fail} the pod write fails. Checking the bytes first leaves that window to a real rotation.
 *
 * <p>A new certificate is applied only once the key in the key file belongs to it: an updater that writes the two
 * files one after the other (unlike the kubelet's atomic Secret volume) would otherwise have a mismatched pair served,
 * and every handshake fail, until the next check. The pair checked last is the one the registry read in its reload,
 * since the files may change between the check's read and that one.
 */
@ApplicationScoped
public class CertificateReloader {

    static final String CONFIGURATION = "webhook";
    private static final Logger LOG = Logger.getLogger(CertificateReloader.class);

    private final TlsConfigurationRegistry registry;
    private final Event<CertificateUpdatedEvent> updated;
    private final Vertx vertx;
    private final OrdinalConfig config;
    private final String certFile;
    private final String keyFile;
    private final AtomicBoolean checking = new AtomicBoolean();
    private final AtomicReference<String> lastProblem = new AtomicReference<>();
    private volatile long timer = -1;
    /**
     * The certificate the HTTPS server was last handed. The registry may hold a torn pair that was refused; nothing
     * reads it until the next reload, which every hand-over follows.
     */
    private X509Certificate served;

    @Inject
    CertificateReloader(
            TlsConfigurationRegistry registry,
            Event<CertificateUpdatedEvent> updated,
            Vertx vertx,
            OrdinalConfig config,
            @ConfigProperty(name = RequiredFiles.CERT_SETTING) String certFile,
            @ConfigProperty(name = RequiredFiles.KEY_SETTING) String keyFile) {
        this.registry = registry;
        this.updated = updated;
        this.vertx = vertx;
        this.config = config;
        this.certFile = certFile;
        this.keyFile = keyFile;
    }

    void start(@Observes StartupEvent started) {
        timer = vertx.setPeriodic(config.tls().reloadPeriod().toMillis(), id -> {
            if (checking.compareAndSet(false, true)) {
                // Blocking: it reads files, and the HTTP server's update listener waits for the server to take it.
                vertx.executeBlocking(
                                () -> {
                                    check();
                                    return null;
                                },
                                false)
                        .onComplete(done -> checking.set(false));
            }
        });
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** What one check did; returned for tests and logged here. */
    enum Outcome {
        UNCHANGED,
        RELOADED,
        KEY_DOES_NOT_MATCH,
        UNREADABLE,
        RELOAD_FAILED
    }

    synchronized Outcome check() {
        TlsConfiguration registered = registry.get(CONFIGURATION)
                .orElseThrow(() -> new IllegalStateException("no TLS configuration `" + CONFIGURATION + "`"));
        try {
            if (served == null) {
                served = leaf(registered.getKeyStore());
            }
            PemKeyCertOptions files =
                    new PemKeyCertOptions().setCertPath(certFile).setKeyPath(keyFile);
            KeyStore store = files.loadKeyStore(vertx);
            X509Certificate onDisk = leaf(store);
            if (same(onDisk, served)) {
                lastProblem.set(null);
                return Outcome.UNCHANGED;
            }
            if (!belongTogether(files, store, onDisk)) {
                return keyDoesNotMatch();
            }
        } catch (Exception e) {
            warnOnce("cannot read the webhook certificate " + certFile + " and key " + keyFile + " (" + e.getMessage()
                    + "); still serving the previous certificate");
            return Outcome.UNREADABLE;
        }
        if (!registered.reload()) {
            warnOnce("the TLS registry could not reload " + certFile + "; still serving the previous certificate");
            return Outcome.RELOAD_FAILED;
        }
        // reload() read the files again, and an updater may have written between the two reads: what the server is
        // handed is the pair the registry now holds, so that is the pair checked.
        X509Certificate loaded;
        try {
            loaded = leaf(registered.getKeyStore());
            if (!belongTogether(registered.getKeyStoreOptions(), registered.getKeyStore(), loaded)) {
                return keyDoesNotMatch();
            }
            if (same(loaded, served)) {
                lastProblem.set(null);
                return Outcome.UNCHANGED;
            }
        } catch (Exception e) {
            warnOnce("cannot read the reloaded webhook certificate " + certFile + " (" + e.getMessage()
                    + "); still serving the previous certificate");
            return Outcome.UNREADABLE;
        }
        lastProblem.set(null);
        updated.fire(new CertificateUpdatedEvent(CONFIGURATION, registered));
        served = loaded;
        LOG.infof(
                "Serving the renewed webhook certificate %s (valid until %s) from %s",
                loaded.getSubjectX500Principal().getName(), loaded.getNotAfter().toInstant(), certFile);
        return Outcome.RELOADED;
    }

    private Outcome keyDoesNotMatch() {
        warnOnce("the key in " + keyFile + " does not belong to the certificate in " + certFile
                + "; still serving the previous certificate until the pair matches");
        return Outcome.KEY_DOES_NOT_MATCH;
    }

    private static boolean same(X509Certificate a, X509Certificate b) throws GeneralSecurityException {
        return Arrays.equals(a.getEncoded(), b.getEncoded());
    }

    private void warnOnce(String problem) {
        if (!problem.equals(lastProblem.getAndSet(problem))) {
            LOG.warn(problem);
        }
    }

    private static X509Certificate leaf(KeyStore store) throws GeneralSecurityException {
        for (String alias : Collections.list(store.aliases())) {
            if (store.getCertificate(alias) instanceof X509Certificate certificate) {
                return certificate;
            }
        }
        throw new GeneralSecurityException("no certificate in the key store");
    }

    /**
     * Whether the key stored beside {@code certificate} belongs to it. Vert.x guards the key in its key store with a
     * password of its own; its key manager hands it out.
     */
    private boolean belongTogether(KeyCertOptions options, KeyStore store, X509Certificate certificate)
            throws Exception {
        X509KeyManager keys =
                (X509KeyManager) options.getKeyManagerFactory(vertx).getKeyManagers()[0];
        for (String alias : Collections.list(store.aliases())) {
            PrivateKey key = keys.getPrivateKey(alias);
            if (key != null) {
                return KeyPairs.belongTogether(certificate, key);
            }
        }
        throw new GeneralSecurityException("no private key in " + keyFile);
    }
}
