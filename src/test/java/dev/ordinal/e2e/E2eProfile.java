package dev.ordinal.e2e;

import dev.ordinal.controller.ControllerTestProfile;

/**
 * The end-to-end scenarios run the whole app: webhook and controller, with the controller tests' short lease and
 * resync timings, under their own Lease identity. Ports are random (application.properties), so other builds on the
 * same machine cannot collide with these.
 */
public class E2eProfile extends ControllerTestProfile {

    /** The identity the app's controller holds the Lease with. */
    public static final String IDENTITY = "e2e-controller";

    public E2eProfile() {
        super(IDENTITY, "ordinal-e2e");
    }
}
