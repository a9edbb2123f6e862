package dev.ordinal.tls;

import dev.ordinal.config.OrdinalConfig;
import dev.ordinal.config.RequiredFiles;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.tls.CertificateUpdatedEvent;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.vertx.core.Vertx;
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
 * and every handshake fail, until the next check.
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
        TlsConfiguration served = registry.get(CONFIGURATION)
                .orElseThrow(() -> new IllegalStateException("no TLS configuration `" + CONFIGURATION + "`"));
        X509Certificate onDisk;
        try {
            PemKeyCertOptions files =
                    new PemKeyCertOptions().setCertPath(certFile).setKeyPath(keyFile);
            KeyStore store = files.loadKeyStore(vertx);
            onDisk = leaf(store);
            if (Arrays.equals(onDisk.getEncoded(), leaf(served.getKeyStore()).getEncoded())) {
                lastProblem.set(null);
                return Outcome.UNCHANGED;
            }
            if (!KeyPairs.belongTogether(onDisk, privateKey(files, store))) {
                warnOnce("the key in " + keyFile + " does not belong to the certificate in " + certFile
                        + "; still serving the previous certificate until the pair matches");
                return Outcome.KEY_DOES_NOT_MATCH;
            }
        } catch (Exception e) {
            warnOnce("cannot read the webhook certificate " + certFile + " and key " + keyFile + " (" + e.getMessage()
                    + "); still serving the previous certificate");
            return Outcome.UNREADABLE;
        }
        if (!served.reload()) {
            warnOnce("the TLS registry could not reload " + certFile + "; still serving the previous certificate");
            return Outcome.RELOAD_FAILED;
        }
        updated.fire(new CertificateUpdatedEvent(CONFIGURATION, served));
        lastProblem.set(null);
        LOG.infof(
                "Serving the renewed webhook certificate %s (valid until %s) from %s",
                onDisk.getSubjectX500Principal().getName(), onDisk.getNotAfter().toInstant(), certFile);
        return Outcome.RELOADED;
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

    /** The private key stored beside the certificate: Vert.x guards it with a password of its own, its key manager not. */
    private PrivateKey privateKey(PemKeyCertOptions files, KeyStore store) throws Exception {
        X509KeyManager keys = (X509KeyManager) files.getKeyManagerFactory(vertx).getKeyManagers()[0];
        for (String alias : Collections.list(store.aliases())) {
            PrivateKey key = keys.getPrivateKey(alias);
            if (key != null) {
                return key;
            }
        }
        throw new GeneralSecurityException("no private key in " + keyFile);
    }
}
