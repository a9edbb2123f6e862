package dev.ordinal.tls;

import io.quarkus.tls.CertificateUpdatedEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts the certificate updates the HTTP server is asked to take: each one swaps its TLS context. */
@ApplicationScoped
public class CertificateUpdates {

    private final AtomicInteger count = new AtomicInteger();

    void updated(@Observes CertificateUpdatedEvent event) {
        count.incrementAndGet();
    }

    int count() {
        return count.get();
    }
}
