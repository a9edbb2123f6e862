package dev.ordinal.tls;

import dev.ordinal.config.OrdinalConfig;
import dev.ordinal.config.RequiredFiles;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Every {@code ordinal.tls.reload-period}, reads the webhook's certificate and key and has {@link ServingKeys} serve
 * them when the certificate changed.
 *
 * <p>Why not {@code quarkus.tls.webhook.reload-period}: Quarkus' periodic updater fires {@code CertificateUpdatedEvent}
 * every period whether or not the files changed, and each event replaces the HTTPS server's TLS context, which Vert.x
 * 4.5 does with a window in which new connections fail ({@link ServingKeys} says how). Here the context is never
 * replaced.
 *
 * <p>A new certificate is served only once the key in the key file belongs to it: an updater that writes the two
 * files one after the other (unlike the kubelet's atomic Secret volume) would otherwise have a mismatched pair served,
 * and every handshake fail, until the next check. The pair checked is the pair served: both files are read once per
 * check, and parsed only when their bytes differ from the last parsed check's.
 */
@ApplicationScoped
public class CertificateReloader {

    private static final Logger LOG = Logger.getLogger(CertificateReloader.class);

    private final ServingKeys keys;
    private final Vertx vertx;
    private final OrdinalConfig config;
    private final String certFile;
    private final String keyFile;
    private final AtomicBoolean checking = new AtomicBoolean();
    private final AtomicReference<String> lastProblem = new AtomicReference<>();
    private volatile long timer = -1;

    /** The files' bytes at the last check that parsed them, and what that check found. */
    private record Seen(PemFiles files, Outcome outcome) {}

    private Seen lastParsed;
    private int parses;

    @Inject
    CertificateReloader(
            ServingKeys keys,
            Vertx vertx,
            OrdinalConfig config,
            @ConfigProperty(name = RequiredFiles.CERT_SETTING) String certFile,
            @ConfigProperty(name = RequiredFiles.KEY_SETTING) String keyFile) {
        this.keys = keys;
        this.vertx = vertx;
        this.config = config;
        this.certFile = certFile;
        this.keyFile = keyFile;
    }

    void start(@Observes StartupEvent started) {
        timer = vertx.setPeriodic(config.tls().reloadPeriod().toMillis(), id -> {
            if (checking.compareAndSet(false, true)) {
                // Blocking: it reads files.
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
        /** The HTTPS server has not read its pair yet ({@link ServingKeys} reads the files itself then). */
        NOT_SERVING_YET,
        UNCHANGED,
        RELOADED,
        KEY_DOES_NOT_MATCH,
        UNREADABLE
    }

    /**
     * Files whose bytes equal those of the last parsed check (at first, of the start-up's parse) give that check's
     * answer again without parsing them: the parse derives a key-store password's key, which at a short reload period
     * was a seventh to a quarter of the replicas' CPU samples during a rollout.
     */
    synchronized Outcome check() {
        if (keys.startedWith() == null) {
            // The StartupEvent that starts the timer can come before the HTTPS server is set up, and in a cold JVM
            // setting it up takes a second or more.
            return Outcome.NOT_SERVING_YET;
        }
        PemFiles files;
        try {
            files = PemFiles.read(certFile, keyFile);
        } catch (Exception e) {
            // What was served does not change, so the last parsed check's answer still holds for its bytes.
            return unreadable(e);
        }
        if (lastParsed == null) {
            lastParsed = new Seen(keys.startedWith(), Outcome.UNCHANGED);
        }
        if (lastParsed.files().equals(files)) {
            if (lastParsed.outcome() == Outcome.KEY_DOES_NOT_MATCH || lastParsed.outcome() == Outcome.UNREADABLE) {
                return lastParsed.outcome(); // warned about already
            }
            lastProblem.set(null); // so that a later problem is warned about again
            return Outcome.UNCHANGED;
        }
        Outcome outcome = parseAndServe(files);
        lastParsed = new Seen(files, outcome);
        return outcome;
    }

    /** The problem last warned about, until a check finds the files fine again; for tests. */
    String lastProblem() {
        return lastProblem.get();
    }

    /** How many checks parsed the files; for tests. */
    synchronized int parses() {
        return parses;
    }

    private Outcome parseAndServe(PemFiles files) {
        parses++;
        ServingPair onDisk;
        try {
            onDisk = ServingPair.parse(vertx, files, keyFile);
            if (onDisk.sameCertificateAs(keys.serving())) {
                lastProblem.set(null);
                return Outcome.UNCHANGED;
            }
            if (!onDisk.matches()) {
                warnOnce(ServingPair.keyMismatch(certFile, keyFile)
                        + "; still serving the previous certificate until the pair matches");
                return Outcome.KEY_DOES_NOT_MATCH;
            }
        } catch (Exception e) {
            return unreadable(e);
        }
        keys.serve(onDisk);
        lastProblem.set(null);
        LOG.infof(
                "Serving the renewed webhook certificate %s (valid until %s) from %s",
                onDisk.leaf().getSubjectX500Principal().getName(),
                onDisk.leaf().getNotAfter().toInstant(),
                certFile);
        return Outcome.RELOADED;
    }

    private Outcome unreadable(Exception e) {
        warnOnce("cannot read the webhook certificate " + certFile + " and key " + keyFile + " (" + e.getMessage()
                + "); still serving the previous certificate");
        return Outcome.UNREADABLE;
    }

    private void warnOnce(String problem) {
        if (!problem.equals(lastProblem.getAndSet(problem))) {
            LOG.warn(problem);
        }
    }
}
