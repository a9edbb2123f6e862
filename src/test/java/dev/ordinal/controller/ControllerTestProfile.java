package dev.ordinal.controller;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Runs the application's controller (off by default under test, see application.properties) with short lease and
 * resync timings against the mock API server, so the suite stays fast on a busy machine.
 */
public class ControllerTestProfile implements QuarkusTestProfile {

    /** The identity the application's controller holds the Lease with in these tests. */
    public static final String IDENTITY = "quarkus-test-controller";

    private final String identity;
    private final String leaseNamespace;

    public ControllerTestProfile() {
        this(IDENTITY, "ordinal-test");
    }

    /** For profiles that run the controller the same way under another Lease identity and namespace. */
    protected ControllerTestProfile(String identity, String leaseNamespace) {
        this.identity = identity;
        this.leaseNamespace = leaseNamespace;
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "ordinal.controller.enabled", "true",
                // Both spellings, so the override wins whatever the profile lookup order of the config sources.
                "%test.ordinal.controller.enabled", "true",
                "ordinal.controller.identity", identity,
                "ordinal.controller.lease-namespace", leaseNamespace,
                "ordinal.controller.lease-duration", "4s",
                "ordinal.controller.renew-deadline", "3s",
                "ordinal.controller.retry-period", "500ms",
                "ordinal.controller.resync-period", "2s");
    }
}
