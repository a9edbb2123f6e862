package dev.ordinal.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.support.AdmissionClient;
import dev.ordinal.support.PodFixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * At the default log level no request content that Ordinal does not own reaches the log (issue 7): a marker in an
 * env value, a {@code example.com/token} annotation, a Secret volume, container args and an unknown field, in
 * admitted, denied and malformed reviews, never appears in any log record or on stdout/stderr. Request values that do
 * get logged (uid, names) cannot forge a line or flood the log.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class LogHygieneTest {

    static final Path REPORT = Path.of("target/reliability/log-hygiene.txt");
    /** Longest log line any request may cause; a megabyte-long uid must not produce a megabyte-long line. */
    static final int MAX_LINE_CHARS = 4_000;

    private final Capture capture = new Capture();
    private PrintStream stdout;
    private PrintStream stderr;
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();

    @BeforeEach
    void captureLogs() {
        Logger.getLogger("").addHandler(capture);
        stdout = System.out;
        stderr = System.err;
        System.setOut(new PrintStream(new Tee(stdout, console), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new Tee(stderr, console), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stopCapturing() {
        Logger.getLogger("").removeHandler(capture);
        System.setOut(stdout);
        System.setErr(stderr);
    }

    @Test
    void logsNoContentOfAdmittedDeniedOrMalformedReviews() throws Exception {
        String marker = "s3cr3t" + UUID.randomUUID().toString().replace("-", ""); // one JSON token when bare
        List<Sent> sent = new ArrayList<>();
        // Admitted (patched), denied by policy, denied on UPDATE, and malformed in several ways.
        sent.add(send("admitted generateName pod", json(member(marker, p -> {}))));
        sent.add(send(
                "bad ordinal annotation",
                json(member(marker, p -> p.annotation(OrdinalKeys.POLICY_ANNOTATION, "sometimes")))));
        sent.add(send("named pod", json(member(marker, p -> p.named("web-1")))));
        sent.add(send("gate removed by a user", json(update(marker))));
        sent.add(send(
                "env is a string, not a list",
                json(edit(member(marker, p -> {}), r -> container(r).put("env", marker)))));
        sent.add(send(
                "container port is the marker",
                json(edit(
                        member(marker, p -> {}),
                        r -> ((ObjectNode) container(r).withArray("ports").get(0)).put("containerPort", marker)))));
        sent.add(send(
                "annotation value is a list",
                json(edit(
                        member(marker, p -> {}),
                        r -> annotations(r).putArray("example.com/token").add(marker)))));
        sent.add(send(
                "args hold a null",
                json(edit(
                        member(marker, p -> {}),
                        r -> container(r).withArray("args").addNull()))));
        sent.add(send(
                "marker as a bare JSON token", json(member(marker, p -> {})).replace("\"" + marker + "\"", marker)));
        sent.add(send(
                "marker followed by invalid UTF-8",
                spliceAfter(json(member(marker, p -> {})), marker, new byte[] {(byte) 0xC3, (byte) 0x28})));
        sent.add(send(
                "over max-review-bytes",
                json(member(marker, p -> p.annotation("example.com/blob", marker + "x".repeat(8 * 1024 * 1024))))));
        sent.add(send(
                "a Secret, not an AdmissionReview",
                ("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{\"token\":\"" + marker + "\"}}")
                        .getBytes(StandardCharsets.UTF_8)));
        Thread.sleep(200); // a record logged just after the response was written

        List<String> records = capture.lines;
        String consoleText = console.toString(StandardCharsets.UTF_8);
        List<String> leaks =
                records.stream().filter(line -> line.contains(marker)).toList();
        int longest = records.stream().mapToInt(String::length).max().orElse(0);
        long reviewLines =
                records.stream().filter(line -> line.contains("review ")).count();
        String summary = String.format(
                Locale.ROOT,
                "log hygiene: %d reviews (%d answered HTTP 200, %d HTTP 400) with"
                        + " a marker in an env value, a example.com/token annotation, a Secret volume, args and an unknown"
                        + " field; %d log records (%d review lines) at the default level, %d contain the marker, %s on the"
                        + " console; longest record %d chars",
                sent.size() * 2,
                sent.stream()
                        .mapToLong(
                                s -> s.statuses().stream().filter(c -> c == 200).count())
                        .sum(),
                sent.stream()
                        .mapToLong(
                                s -> s.statuses().stream().filter(c -> c == 400).count())
                        .sum(),
                records.size(),
                reviewLines,
                leaks.size(),
                consoleText.contains(marker) ? "it is" : "it is not",
                longest);
        stdout.println(summary);
        Files.createDirectories(REPORT.getParent());
        Files.writeString(REPORT, summary + "\n");

        assertThat(reviewLines)
                .as("the capture sees Ordinal's review lines (else this test proves nothing)")
                .isGreaterThanOrEqualTo(sent.size());
        assertThat(leaks).as("log records containing request content").isEmpty();
        assertThat(consoleText).as("stdout/stderr").doesNotContain(marker);
        assertThat(longest).as("longest log record").isLessThan(MAX_LINE_CHARS);
    }

    @Test
    void logsUidsAndNamesWithoutLineBreaksAndCutToLength() throws Exception {
        String forged = "FORGED-" + UUID.randomUUID();
        ObjectNode review = member("x", p -> p.annotation(OrdinalKeys.POLICY_ANNOTATION, "sometimes"));
        ((ObjectNode) review.path("request")).put("uid", "uid-1\n" + forged + " level=ERROR\r\n" + forged);
        ((ObjectNode) review.path("request").path("object").path("metadata"))
                .put("generateName", "web-\n" + forged + "-" + "g".repeat(1_000_000));
        send("line breaks in uid and generateName", json(review));
        ObjectNode longUid = member("x", p -> {});
        ((ObjectNode) longUid.path("request")).put("uid", "u".repeat(1_000_000));
        send("megabyte uid", json(longUid));

        List<String> records = capture.lines;
        assertThat(records).as("records with the forged text").anyMatch(line -> line.contains(forged));
        assertThat(records)
                .as("no record puts request text on a line of its own")
                .noneMatch(line -> line.contains("\n" + forged) || line.contains("\r" + forged));
        assertThat(records.stream().mapToInt(String::length).max().orElse(0))
                .as("longest log record")
                .isLessThan(MAX_LINE_CHARS);
    }

    // ---- fixtures ----

    /** A generateName CREATE of set web carrying {@code marker} in places Ordinal does not own. */
    private static ObjectNode member(String marker, Consumer<PodFixtures> edit) {
        PodFixtures pod = PodFixtures.member("web").ephemeralVolume("data").annotation("example.com/token", marker);
        edit.accept(pod);
        ObjectNode review = AdmissionClient.createReview(pod.build(), "log-hygiene");
        plant(review.path("request").path("object"), marker);
        return review;
    }

    private static void plant(com.fasterxml.jackson.databind.JsonNode object, String marker) {
        ObjectNode spec = (ObjectNode) object.path("spec");
        ObjectNode container = (ObjectNode) spec.path("containers").get(0);
        container.putArray("env").addObject().put("name", "API_TOKEN").put("value", marker);
        container.putArray("args").add("--password=" + marker);
        spec.withArray("volumes")
                .addObject()
                .put("name", "creds")
                .putObject("secret")
                .put("secretName", marker);
        spec.put("x-unknown-token", marker);
    }

    /** Member web-3 updated by a user who lifts Ordinal's gate (denied), with the marker planted. */
    private static ObjectNode update(String marker) {
        PodFixtures old = PodFixtures.stored("web", 3)
                .hostname("web-3", "web")
                .gate(OrdinalKeys.ORDERED_GATE)
                .annotation("example.com/token", marker);
        PodFixtures updated =
                PodFixtures.stored("web", 3).hostname("web-3", "web").annotation("example.com/token", marker);
        ObjectNode review =
                AdmissionClient.review("UPDATE", updated.build(), old.build(), "log-hygiene", "alice", false);
        plant(review.path("request").path("object"), marker);
        plant(review.path("request").path("oldObject"), marker);
        return review;
    }

    private static ObjectNode edit(ObjectNode review, Consumer<ObjectNode> edit) {
        edit.accept(review);
        return review;
    }

    private static ObjectNode container(ObjectNode review) {
        return (ObjectNode) review.path("request")
                .path("object")
                .path("spec")
                .path("containers")
                .get(0);
    }

    private static ObjectNode annotations(ObjectNode review) {
        return (ObjectNode)
                review.path("request").path("object").path("metadata").path("annotations");
    }

    private static String json(ObjectNode review) {
        return review.toString();
    }

    private static byte[] spliceAfter(String text, String after, byte[] insert) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        int at = text.indexOf(after) + after.length(); // the marker is ASCII, so char and byte offsets agree
        byte[] out = new byte[body.length + insert.length];
        System.arraycopy(body, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(body, at, out, at + insert.length, body.length - at);
        return out;
    }

    /** What both endpoints answered to one body. */
    record Sent(String name, List<Integer> statuses) {}

    private static Sent send(String name, String body) {
        return send(name, body.getBytes(StandardCharsets.UTF_8));
    }

    private static Sent send(String name, byte[] body) {
        List<Integer> statuses = new ArrayList<>();
        for (String path : new String[] {"/mutate-pods", "/validate-pods"}) {
            Response response = io.restassured.RestAssured.given()
                    .relaxedHTTPSValidation()
                    .baseUri("https://localhost")
                    .port(AdmissionClient.httpsPort())
                    .contentType("application/json")
                    .body(body)
                    .when()
                    .post(path);
            assertThat(response.statusCode()).as("%s: %s status", name, path).isIn(200, 400);
            statuses.add(response.statusCode());
        }
        return new Sent(name, statuses);
    }

    /** Every log record as text: logger, level, formatted message and any exception with its causes. */
    static final class Capture extends Handler {
        final List<String> lines = new CopyOnWriteArrayList<>();

        Capture() {
            setLevel(Level.ALL);
        }

        @Override
        public void publish(LogRecord record) {
            StringBuilder line = new StringBuilder()
                    .append(record.getLoggerName())
                    .append(' ')
                    .append(record.getLevel())
                    .append(' ');
            line.append(
                    record instanceof ExtLogRecord ext
                            ? ext.getFormattedMessage()
                            : new java.util.logging.SimpleFormatter().formatMessage(record));
            for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
                line.append(" | ").append(t);
            }
            lines.add(line.toString());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    /** Writes to the real stream and to a buffer. */
    static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            synchronized (b) {
                b.write(c);
            }
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws IOException {
            a.write(bytes, off, len);
            synchronized (b) {
                b.write(bytes, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            a.flush();
        }
    }
}
