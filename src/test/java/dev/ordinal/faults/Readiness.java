package dev.ordinal.faults;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ordinal.support.AdmissionClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The application's {@code /q/health/ready} on the management port, as kubelet probes it. */
final class Readiness {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** One answer: the HTTP status and the {@code ordinal-caches} check. */
    record Answer(int status, JsonNode caches) {
        boolean up() {
            return status == 200;
        }

        String data(String key) {
            return caches.path("data").path(key).asText();
        }
    }

    private Readiness() {}

    static Answer probe() {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(
                                    "http://127.0.0.1:" + AdmissionClient.managementPort() + "/q/health/ready"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = AdmissionClient.read(response.body());
            JsonNode caches = null;
            for (JsonNode check : body.path("checks")) {
                if ("ordinal-caches".equals(check.path("name").asText())) {
                    caches = check;
                }
            }
            return new Answer(
                    response.statusCode(), caches == null ? AdmissionClient.MAPPER.createObjectNode() : caches);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
