package dev.ordinal.faults;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.Map;

/**
 * {@link ColdStartScenario} with fabric8's in-request retries off, so every failed list reaches the informer's own
 * backoff (1 s, 2 s, 4 s, …) within seconds: the worst case for log volume, compressed into the suite's time budget.
 * {@link ColdStartDefaultsTest} runs the same with the production client settings.
 */
@QuarkusTest
@TestProfile(ColdStartTest.NoRequestRetries.class)
@WithTestResource(value = FaultyApiServerResource.class, initArgs = @ResourceArg(name = "up", value = "false"))
class ColdStartTest extends ColdStartScenario {

    /** fabric8 retries a failed request 10 times (0.1 s doubling to 3.2 s) before the informer sees it fail. */
    public static class NoRequestRetries implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.kubernetes-client.request-retry-backoff-limit", "0");
        }
    }

    @Override
    Duration downFor() {
        return Duration.ofSeconds(8);
    }

    @Override
    String figures() {
        return "1-cold-start.no-request-retries";
    }

    @Override
    int maxWarnings() {
        // Per informer, fabric8's Reflector logs each failed cycle (at 0, 1, 3, 7 s: backoff) and Ordinal at most one
        // line per 30 s: about 5 each. A retry loop without backoff would log thousands.
        return 3 * 6;
    }
}
