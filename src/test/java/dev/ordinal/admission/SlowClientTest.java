package dev.ordinal.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ordinal.support.AdmissionClient;
import dev.ordinal.support.PodFixtures;
import dev.ordinal.support.TrustAll;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow and oversized clients on raw TLS sockets (issue 7), with a short deadline (2 s) and idle timeout (3 s): a body
 * trickled byte by byte is cut off at the request deadline (an HTTP/2 stream is reset, its connection lives on), a
 * silent connection or one trickling its headers at the idle timeout, a body over the transport limit gets 413 and a
 * closed connection, and a normal review is answered promptly while slow clients are held open. Measured close times go to {@code target/reliability/slow-clients.txt}.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(SlowClientTest.ShortTimeouts.class)
class SlowClientTest {

    static final Duration DEADLINE = Duration.ofSeconds(2);
    static final Duration IDLE = Duration.ofSeconds(3);
    /** Scheduling slack on two shared cores; still far below what an unbounded slow client would hold. */
    static final Duration SLACK = Duration.ofSeconds(3);

    static final Path REPORT = Path.of("target/reliability/slow-clients.txt");

    /** Short limits so the test takes seconds; the defaults (10 s, 30 s) are the same code path. */
    public static class ShortTimeouts implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "ordinal.admission.request-deadline",
                    DEADLINE.toSeconds() + "s",
                    "quarkus.http.idle-timeout",
                    IDLE.toSeconds() + "s");
        }
    }

    private static final List<String> measured = new ArrayList<>();

    @BeforeAll
    static void startReport() throws IOException {
        Files.createDirectories(REPORT.getParent());
        measured.clear();
    }

    @AfterAll
    static void writeReport() throws IOException {
        Files.write(REPORT, measured, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    @Test
    void cutsOffABodyTrickledOneBytePer200MillisecondsAtTheDeadline() throws Exception {
        try (SSLSocket socket = tls()) {
            long start = System.nanoTime();
            send(socket, headers("/mutate-pods", "Content-Length: 1000000"));
            AtomicBoolean stop = new AtomicBoolean();
            Thread trickle = trickle(socket, stop);
            Closed closed = awaitClose(socket, DEADLINE.plus(SLACK).plusSeconds(5));
            stop.set(true);
            trickle.join(2_000);
            record(
                    "body trickled 1 byte/200 ms, deadline %s: connection %s after %.2f s (%d bytes answered)",
                    DEADLINE, closed.closed() ? "closed" : "still open", closed.seconds(start), closed.bytesRead());
            assertThat(closed.closed()).as("server closed the connection").isTrue();
            assertThat(closed.seconds(start))
                    .as("seconds until closed (deadline %s)", DEADLINE)
                    .isBetween(DEADLINE.toMillis() / 1000.0 - 0.5, (double)
                            DEADLINE.plus(SLACK).toSeconds());
        }
    }

    @Test
    void closesAConnectionTricklingItsHeadersAtTheIdleTimeout() throws Exception {
        // The HTTP decoder passes nothing on until the headers are complete, so header bytes do not reset the idle
        // timer (unlike body bytes): a header slowloris is cut at the idle timeout, before any deadline could start.
        try (SSLSocket socket = tls()) {
            long start = System.nanoTime();
            send(socket, "POST /mutate-pods HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
            AtomicBoolean stop = new AtomicBoolean();
            Thread trickle = trickle(socket, stop);
            Closed closed = awaitClose(socket, IDLE.plus(SLACK).plusSeconds(5));
            stop.set(true);
            trickle.join(2_000);
            record("headers trickled 1 byte/200 ms, idle-timeout %s: closed after %.2f s", IDLE, closed.seconds(start));
            assertThat(closed.closed()).isTrue();
            assertThat(closed.seconds(start)).isBetween(IDLE.toMillis() / 1000.0 - 0.5, (double)
                    IDLE.plus(SLACK).toSeconds());
        }
    }

    @Test
    void closesATlsConnectionThatSendsNothingAtTheIdleTimeout() throws Exception {
        try (SSLSocket socket = tls()) {
            long start = System.nanoTime();
            Closed closed = awaitClose(socket, IDLE.plus(SLACK).plusSeconds(5));
            record("TLS done, nothing sent, idle-timeout %s: closed after %.2f s", IDLE, closed.seconds(start));
            assertThat(closed.closed()).isTrue();
            assertThat(closed.seconds(start)).isBetween(IDLE.toMillis() / 1000.0 - 0.5, (double)
                    IDLE.plus(SLACK).toSeconds());
        }
    }

    @Test
    void closesAConnectionStuckInHalfAHeaderLineAtTheIdleTimeout() throws Exception {
        try (SSLSocket socket = tls()) {
            long start = System.nanoTime();
            send(socket, "POST /mutate-pods HTTP/1.1\r\nContent-Ty");
            Closed closed = awaitClose(socket, IDLE.plus(SLACK).plusSeconds(5));
            record("half a header line, idle-timeout %s: closed after %.2f s", IDLE, closed.seconds(start));
            assertThat(closed.closed()).isTrue();
            assertThat(closed.seconds(start)).isBetween(IDLE.toMillis() / 1000.0 - 0.5, (double)
                    IDLE.plus(SLACK).toSeconds());
        }
    }

    @Test
    void closesAPlainTcpConnectionThatNeverStartsTls() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", AdmissionClient.httpsPort())) {
            long start = System.nanoTime();
            Closed closed = awaitClose(socket, Duration.ofSeconds(20));
            record("TCP connected, no TLS handshake: closed after %.2f s", closed.seconds(start));
            assertThat(closed.closed()).isTrue();
            // Vert.x's TLS handshake timeout (10 s) or the idle timeout, whichever is first.
            assertThat(closed.seconds(start)).isLessThan(10.0 + SLACK.toSeconds());
        }
    }

    @Test
    void answers413AndClosesForADeclaredBodyOverTheTransportLimit() throws Exception {
        overTransportLimit(false);
    }

    @Test
    void answers413AndClosesForAChunkedBodyOverTheTransportLimit() throws Exception {
        overTransportLimit(true);
    }

    private void overTransportLimit(boolean chunked) throws Exception {
        long size = 17L * 1024 * 1024; // quarkus.http.limits.max-body-size is 16M
        try (SSLSocket socket = tls()) {
            long start = System.nanoTime();
            send(socket, headers("/mutate-pods", chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + size));
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                java.util.Arrays.fill(chunk, (byte) ' ');
                try {
                    OutputStream out = socket.getOutputStream();
                    for (long sent = 0; sent < size && !stop.get(); sent += chunk.length) {
                        if (chunked) {
                            out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        }
                        out.write(chunk);
                        if (chunked) {
                            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                    }
                    out.flush();
                } catch (IOException e) {
                    // The server stopped reading: expected once it has refused the body.
                }
            });
            writer.setDaemon(true);
            writer.start();
            socket.setSoTimeout((int) DEADLINE.plus(SLACK).plusSeconds(10).toMillis());
            String statusLine = readLine(socket.getInputStream());
            double answered = (System.nanoTime() - start) / 1e9;
            Closed closed = awaitClose(socket, DEADLINE.plus(SLACK).plusSeconds(5));
            stop.set(true);
            record(
                    "%s body of %d MiB over max-body-size 16M: \"%s\" after %.2f s, connection closed after %.2f s",
                    chunked ? "chunked" : "declared", size >> 20, statusLine, answered, closed.seconds(start));
            assertThat(statusLine).startsWith("HTTP/1.1 413");
            assertThat(closed.closed()).as("connection closed after the 413").isTrue();
            assertThat(closed.seconds(start))
                    .isLessThan((double) DEADLINE.plus(SLACK).toSeconds());
        }
    }

    @Test
    void answersANormalReviewPromptlyWhileSlowClientsAreHeldOpen() throws Exception {
        int slow = 40;
        // The first review of a JVM pays for RestAssured and TLS set-up; that is not what this measures.
        ObjectNode warmUp =
                AdmissionClient.createReview(PodFixtures.member("calm").build(), "slow-clients");
        long w0 = System.nanoTime();
        AdmissionClient.send("/mutate-pods", warmUp);
        AdmissionClient.send("/mutate-pods", warmUp);
        double baseline = (System.nanoTime() - w0) / 2e9;
        ExecutorService pool = Executors.newFixedThreadPool(slow);
        List<SSLSocket> sockets = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        try {
            List<Future<?>> trickles = new ArrayList<>();
            for (int i = 0; i < slow; i++) {
                SSLSocket socket = tls();
                sockets.add(socket);
                send(socket, headers(i % 2 == 0 ? "/mutate-pods" : "/validate-pods", "Content-Length: 1000000"));
                trickles.add(pool.submit(() -> trickleUntil(socket, stop)));
            }
            Thread.sleep(500); // all slow clients are mid-body now
            ObjectNode review =
                    AdmissionClient.createReview(PodFixtures.member("calm").build(), "slow-clients");
            long t0 = System.nanoTime();
            JsonNode answer = AdmissionClient.send("/mutate-pods", review);
            double seconds = (System.nanoTime() - t0) / 1e9;
            record(
                    "normal review while %d slow clients trickle: answered in %.3f s (the two cold ones before them: %.3f s"
                            + " each)",
                    slow, seconds, baseline);
            assertThat(answer.path("allowed").asBoolean()).isTrue();
            assertThat(seconds)
                    .as("seconds to answer a review beside %d slow clients", slow)
                    .isLessThan(2.0);
            for (SSLSocket socket : sockets) {
                Closed closed = awaitClose(socket, DEADLINE.plus(SLACK).plusSeconds(5));
                assertThat(closed.closed())
                        .as("every slow client is cut off at the deadline")
                        .isTrue();
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
            pool.awaitTermination(5, TimeUnit.SECONDS);
            for (SSLSocket socket : sockets) {
                socket.close();
            }
        }
    }

    @Test
    void keepsAKeepAliveConnectionOpenPastTheDeadlineOfAnAnsweredRequest() throws Exception {
        try (SSLSocket socket = tls()) {
            socket.setSoTimeout(10_000);
            assertThat(exchange(socket)).startsWith("HTTP/1.1 200");
            // Longer than the deadline, shorter than the idle timeout: only a timer left armed would close it.
            Thread.sleep(DEADLINE.toMillis() + 500);
            String second = exchange(socket);
            record(
                    "keep-alive connection reused %d ms after an answered request (deadline %s): \"%s\"",
                    DEADLINE.toMillis() + 500, DEADLINE, second);
            assertThat(second).as("second request on the same connection").startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void resetsOnlyTheSlowStreamOfAnHttp2Connection() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            HttpClient client = vertx.createHttpClient(new HttpClientOptions()
                    .setSsl(true)
                    .setUseAlpn(true)
                    .setTrustAll(true)
                    .setVerifyHost(false)
                    .setProtocolVersion(HttpVersion.HTTP_2)
                    .setHttp2MaxPoolSize(1)
                    .setDefaultHost("localhost")
                    .setDefaultPort(AdmissionClient.httpsPort()));
            HttpClientRequest slow = client.request(HttpMethod.POST, "/mutate-pods")
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            AtomicBoolean connectionClosed = new AtomicBoolean();
            slow.connection().closeHandler(v -> connectionClosed.set(true));
            assertThat(slow.version()).isEqualTo(HttpVersion.HTTP_2);
            slow.putHeader("Content-Type", "application/json").putHeader("Content-Length", "1000000");
            CompletableFuture<String> slowOutcome = new CompletableFuture<>();
            slow.response()
                    .onComplete(ar -> slowOutcome.complete(
                            ar.succeeded() ? "answered " + ar.result().statusCode() : "failed: " + ar.cause()));
            slow.exceptionHandler(e -> slowOutcome.complete("failed: " + e));
            long start = System.nanoTime();
            slow.write(Buffer.buffer("{"));
            long periodic = vertx.setPeriodic(200, id -> {
                if (!slowOutcome.isDone()) {
                    slow.write(Buffer.buffer(" "));
                }
            });
            String outcome = slowOutcome.get(DEADLINE.plus(SLACK).plusSeconds(5).toSeconds(), TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            vertx.cancelTimer(periodic);

            String body = AdmissionClient.createReview(PodFixtures.member("h2").build(), "slow-clients")
                    .toString();
            HttpClientRequest normal = client.request(HttpMethod.POST, "/mutate-pods")
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            boolean sameConnection = normal.connection() == slow.connection();
            HttpClientResponse answer = normal.putHeader("Content-Type", "application/json")
                    .send(body)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            record(
                    "HTTP/2 stream trickled 1 byte/200 ms: %s after %.2f s; connection closed: %s; next review on the"
                            + " same connection: %s, HTTP %d",
                    outcome, seconds, connectionClosed.get(), sameConnection, answer.statusCode());
            assertThat(outcome).as("the slow stream is reset").startsWith("failed");
            assertThat(seconds).isBetween(DEADLINE.toMillis() / 1000.0 - 0.5, (double)
                    DEADLINE.plus(SLACK).toSeconds());
            assertThat(connectionClosed.get())
                    .as("the HTTP/2 connection survives the reset")
                    .isFalse();
            assertThat(sameConnection)
                    .as("the next review rides the same connection")
                    .isTrue();
            assertThat(answer.statusCode()).isEqualTo(200);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    // ---- helpers ----

    /** A TLS socket to the webhook port, handshake done (HTTP/1.1: no ALPN offered). */
    static SSLSocket tls() throws IOException {
        SSLSocket socket = (SSLSocket)
                TrustAll.context().getSocketFactory().createSocket("127.0.0.1", AdmissionClient.httpsPort());
        socket.startHandshake();
        return socket;
    }

    static String headers(String path, String length) {
        return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" + length
                + "\r\n\r\n";
    }

    static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    private static Thread trickle(Socket socket, AtomicBoolean stop) {
        Thread t = new Thread(() -> trickleUntil(socket, stop));
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Sends one byte every 200 ms until told to stop or the server stops listening. */
    private static void trickleUntil(Socket socket, AtomicBoolean stop) {
        try {
            OutputStream out = socket.getOutputStream();
            while (!stop.get()) {
                out.write(' ');
                out.flush();
                Thread.sleep(200);
            }
        } catch (IOException | InterruptedException e) {
            // Closed by the server (the point of the test) or by the test.
        }
    }

    /** Whether the server closed the connection within {@code limit}, when, and what it sent before. */
    record Closed(boolean closed, long atNanos, long bytesRead) {
        double seconds(long start) {
            return (atNanos - start) / 1e9;
        }
    }

    static Closed awaitClose(Socket socket, Duration limit) throws IOException {
        long end = System.nanoTime() + limit.toNanos();
        InputStream in;
        try {
            in = socket.getInputStream();
        } catch (IOException e) {
            return new Closed(true, System.nanoTime(), 0); // the TLS layer already saw the server's close
        }
        long read = 0;
        byte[] buffer = new byte[8192];
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return new Closed(false, System.nanoTime(), read);
            }
            socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            try {
                int n = in.read(buffer);
                if (n < 0) {
                    return new Closed(true, System.nanoTime(), read);
                }
                read += n;
            } catch (SocketTimeoutException e) {
                return new Closed(false, System.nanoTime(), read);
            } catch (IOException e) {
                return new Closed(true, System.nanoTime(), read); // reset: closed as well
            }
        }
    }

    /** Sends one small review on {@code socket} and reads the whole response; returns its status line. */
    private static String exchange(SSLSocket socket) throws IOException {
        byte[] body = AdmissionClient.createReview(PodFixtures.member("keep").build(), "slow-clients")
                .toString()
                .getBytes(StandardCharsets.UTF_8);
        send(socket, headers("/validate-pods", "Content-Length: " + body.length));
        socket.getOutputStream().write(body);
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        String status = readLine(in);
        int length = 0;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(
                        line.substring("content-length:".length()).trim());
            }
        }
        in.readNBytes(length);
        return status;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    private static void record(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println("slow-clients: " + line);
        measured.add(line);
    }
}
