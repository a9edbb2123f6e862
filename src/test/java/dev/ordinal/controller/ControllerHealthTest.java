package dev.ordinal.controller;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ordinal.support.AdmissionClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import org.junit.jupiter.api.Test;

/** Health and metrics of the application's controller on the management port. */
@QuarkusTest
@TestProfile(ControllerTestProfile.class)
@WithKubernetesTestServer(crud = true)
class ControllerHealthTest {

    @Test
    void livenessSaysThisReplicaLeadsAndReadinessOnlyWaitsForTheCaches() {
        await().atMost(ControllerTestSupport.TIMEOUT).untilAsserted(() -> {
            JsonNode live = get("/q/health/live", 200);
            JsonNode check = find(live, "ordinal-controller");
            assertThat(check.path("status").asText()).isEqualTo("UP");
            assertThat(check.path("data").path("leader").asBoolean())
                    .as("leader, %s", check)
                    .isTrue();
            assertThat(check.path("data").path("identity").asText()).isEqualTo(ControllerTestProfile.IDENTITY);
        });
        JsonNode ready = get("/q/health/ready", 200);
        assertThat(find(ready, "ordinal-caches").path("status").asText()).isEqualTo("UP");
    }

    @Test
    void exportsTheControllerMetrics() {
        await().atMost(ControllerTestSupport.TIMEOUT).untilAsserted(() -> {
            String metrics = given().baseUri("http://localhost")
                    .port(AdmissionClient.managementPort())
                    .when()
                    .get("/q/metrics")
                    .then()
                    .statusCode(200)
                    .extract()
                    .asString();
            assertThat(metrics)
                    .contains("ordinal_controller_leader 1.0")
                    .contains("ordinal_controller_gates_released_total{gate=\"ordinal.dev/ordered\"}")
                    .contains("ordinal_controller_claims_created_total")
                    .contains("ordinal_controller_services_created_total")
                    .contains("ordinal_controller_reconcile_errors_total")
                    .contains("ordinal_controller_reconcile_duration_seconds_count");
        });
    }

    private static JsonNode get(String path, int status) {
        return AdmissionClient.read(given().baseUri("http://localhost")
                .port(AdmissionClient.managementPort())
                .when()
                .get(path)
                .then()
                .statusCode(status)
                .extract()
                .asString());
    }

    private static JsonNode find(JsonNode health, String name) {
        for (JsonNode check : health.path("checks")) {
            if (name.equals(check.path("name").asText())) {
                return check;
            }
        }
        throw new AssertionError("no check " + name + " in " + health);
    }
}
