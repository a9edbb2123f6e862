package dev.ordinal.faults;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * {@link ColdStartScenario} with the production client settings: each list is retried inside the HTTP client for about
 * 19 s before the informer sees a failure, so the API server stays down for 25 s. Long: {@code -Dlong.tests=true}.
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "long.tests", matches = "true")
@WithTestResource(value = FaultyApiServerResource.class, initArgs = @ResourceArg(name = "up", value = "false"))
class ColdStartDefaultsTest extends ColdStartScenario {

    @Override
    Duration downFor() {
        return Duration.ofSeconds(25);
    }

    @Override
    String figures() {
        return "1-cold-start.defaults";
    }

    @Override
    int maxWarnings() {
        // One failed cycle per informer (after ~19 s of in-request retries), logged by fabric8 and by Ordinal.
        return 3 * 3;
    }
}
