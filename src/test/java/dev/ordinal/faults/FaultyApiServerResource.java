package dev.ordinal.faults;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Points the application at a {@link FaultyApiServer} on a free port that the test controls through
 * {@link #server()}. Init arg {@code up=false} leaves it stopped, so the application starts with no API server.
 */
public class FaultyApiServerResource implements QuarkusTestResourceLifecycleManager {

    private static volatile FaultyApiServer server;
    private boolean up = true;

    @Override
    public void init(Map<String, String> initArgs) {
        up = !"false".equals(initArgs.get("up"));
    }

    @Override
    public Map<String, String> start() {
        FaultyApiServer s = FaultyApiServer.onFreePort();
        if (up) {
            s.start();
        }
        server = s;
        return Map.of(
                "quarkus.kubernetes-client.api-server-url", s.url(),
                "quarkus.kubernetes-client.trust-certs", "true",
                "quarkus.kubernetes-client.namespace", "test");
    }

    @Override
    public void stop() {
        FaultyApiServer s = server;
        if (s != null) {
            s.stop();
        }
    }

    /** The API server of the running application. */
    public static FaultyApiServer server() {
        FaultyApiServer s = server;
        if (s == null) {
            throw new IllegalStateException(
                    "no FaultyApiServer: annotate the test with @WithTestResource(" + "FaultyApiServerResource.class)");
        }
        return s;
    }
}
