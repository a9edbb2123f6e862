package dev.ordinal.e2e;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The end-to-end scenarios run the whole app: webhook and controller (which is off by default under test), with
 * lease and resync timings short enough for test time. Ports are random (application.properties), so other builds
 * on the same machine cannot collide with these.
 */
public class E2eProfile implements QuarkusTestProfile {

    /** The identity the app's controller holds the Lease with. */
    public static final String IDENTITY = "e2e-controller";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "ordinal.controller.enabled", "true",
                // Both spellings, so the override wins over %test.ordinal.controller.enabled=false.
                "%test.ordinal.controller.enabled", "true",
                "ordinal.controller.identity", IDENTITY,
                "ordinal.controller.lease-namespace", "ordinal-e2e",
                "ordinal.controller.lease-duration", "4s",
                "ordinal.controller.renew-deadline", "3s",
                "ordinal.controller.retry-period", "500ms",
                "ordinal.controller.resync-period", "2s");
    }
}
