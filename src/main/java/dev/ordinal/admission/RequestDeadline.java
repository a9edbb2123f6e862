package dev.ordinal.admission;

import dev.ordinal.config.OrdinalConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Ends every request that is not answered within {@code ordinal.admission.request-deadline} of its headers. The idle
 * timeout alone never fires for a client that sends one byte now and then (a slowloris), so without a deadline such a
 * client holds its connection, and its buffered body, for as long as it likes.
 */
@ApplicationScoped
public class RequestDeadline {

    private static final Logger LOG = Logger.getLogger(RequestDeadline.class);

    @Inject
    OrdinalConfig config;

    @Inject
    Vertx vertx;

    @Inject
    AdmissionMetrics metrics;

    /**
     * Registers the deadline ahead of every other route of the main (webhook) router, so it runs as soon as a request's
     * headers are in, before the body is read. The management port has its own router and is not affected.
     */
    void install(@Observes Router router) {
        Duration deadline = config.admission().requestDeadline();
        // Integer.MIN_VALUE: before Quarkus' own handlers (io.quarkus.vertx.http.runtime.RouteConstants) and REST.
        router.route().order(Integer.MIN_VALUE).handler(rc -> arm(rc, deadline));
    }

    private void arm(RoutingContext rc, Duration deadline) {
        // A timer set on the event loop fires on the same event loop as the request, so no locking is needed.
        long timer = vertx.setTimer(deadline.toMillis(), id -> expire(rc, deadline));
        rc.addEndHandler(ended -> vertx.cancelTimer(timer));
        rc.next();
    }

    private void expire(RoutingContext rc, Duration deadline) {
        HttpServerResponse response = rc.response();
        if (response.ended() || response.closed()) {
            return;
        }
        metrics.deadlineExceeded();
        LOG.infof(
                "request from %s not answered within %s of its headers (ordinal.admission.request-deadline):"
                        + " closing it; a client sending its body too slowly, or a review that stalled",
                rc.request().remoteAddress(), deadline);
        // HTTP/2: resets only this stream, the API server's other requests on the connection go on;
        // HTTP/1.x: closes the connection, the only way to stop a request whose body is still arriving.
        response.reset();
    }
}
