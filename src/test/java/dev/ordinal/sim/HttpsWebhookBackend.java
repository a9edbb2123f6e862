package dev.ordinal.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The webhook Service: each call goes to one of the app instances at random, as kube-proxy spreads connections
 * over the Service's endpoints, over HTTPS verified against the CA bundle. The URL carries {@code ?timeout=5s}
 * as the API server's does, and the whole exchange (connect, TLS handshake, response) must fit the timeout.
 */
public final class HttpsWebhookBackend implements WebhookBackend {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient http;
    private final List<URI> instances;
    private final ThreadLocal<String> last = new ThreadLocal<>();

    /** {@code instances} are base URIs such as {@code https://localhost:8444}. */
    public HttpsWebhookBackend(Path caBundle, List<URI> instances) {
        if (instances.isEmpty()) {
            throw new IllegalArgumentException("a webhook Service needs at least one endpoint");
        }
        this.http = Tls.webhookClient(caBundle);
        this.instances = List.copyOf(instances);
    }

    @Override
    public JsonNode call(String path, JsonNode review, Duration timeout) throws CallFailed {
        URI base = instances.get(ThreadLocalRandom.current().nextInt(instances.size()));
        URI uri = base.resolve(path + "?timeout=" + timeout.toSeconds() + "s");
        last.set(base.getAuthority());
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(review.toString()))
                .build();
        CompletableFuture<HttpResponse<String>> future = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> response;
        try {
            // The request timeout does not cover every phase of the exchange in every JDK; this deadline does.
            response = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new CallFailed("failed to call webhook: Post \"" + uri + "\": context deadline exceeded");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String what = cause instanceof java.net.http.HttpTimeoutException
                    ? "context deadline exceeded"
                    : cause.getClass().getSimpleName() + ": " + cause.getMessage();
            throw new CallFailed("failed to call webhook: Post \"" + uri + "\": " + what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new CallFailed("failed to call webhook: Post \"" + uri + "\": interrupted");
        }
        if (response.statusCode() != 200) {
            throw new CallFailed("failed to call webhook: an error on the server (\"" + abbreviate(response.body())
                    + "\") has prevented the request from succeeding (HTTP " + response.statusCode() + ")");
        }
        try {
            return MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new CallFailed("received invalid webhook response: " + e.getMessage());
        }
    }

    @Override
    public String lastInstance() {
        return last.get();
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
