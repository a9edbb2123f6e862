package dev.ordinal.faults;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The application for the fault tests that start with a working API server. The staleness bound and the reservation
 * TTL are short, so an outage past the bound and an expired reservation fit in the suite's time budget. The
 * application's own controller stays off; tests that need one run it as a plain object against the application's
 * caches, as {@code ControllerLifecycle} does.
 */
public class FaultsProfile implements QuarkusTestProfile {

    /** {@code ordinal.admission.max-cache-staleness} under test. */
    public static final String MAX_STALENESS = "4s";
    /** {@code ordinal.admission.reservation-ttl} under test: short, so an expired reservation fits the budget. */
    public static final String RESERVATION_TTL = "3s";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "ordinal.admission.max-cache-staleness",
                MAX_STALENESS,
                "ordinal.admission.reservation-ttl",
                RESERVATION_TTL);
    }
}
