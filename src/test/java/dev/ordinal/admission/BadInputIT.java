package dev.ordinal.admission;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The bad-input suite against the packaged application (the JVM jar here; the native binary with -Pnative). */
@QuarkusIntegrationTest
class BadInputIT extends BadInputTest {}
