package dev.ordinal.controller;

import static dev.ordinal.identity.OrdinalKeys.CLAIMS_GATE;
import static dev.ordinal.identity.OrdinalKeys.ORDERED_GATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.identity.Decision;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.identity.UpdateRules;
import dev.ordinal.plan.ControllerEvent;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC §7.1 "controller failures back off": a write the API server keeps refusing (422, 403, 503, a persisting 409)
 * is retried with per-set exponential backoff, not every 100 ms; a Warning Event on the pod names the HTTP code and
 * the API server's message (for a 403 on a gate also the identity and the setting), the failures are counted by write
 * and code, and the WARN line is rate-limited per set. Runs its own controller (the application's is off in this
 * profile) with backoff 200 ms doubling to 5 s, so a window of {@link #WINDOW} holds at most 6 attempts, where the
 * old 100 ms conflict retry made some 60.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class WriteFailureBackoffTest {

    /** How long a refusal is watched. */
    static final Duration WINDOW = Duration.ofSeconds(6);
    /** Attempts in WINDOW with backoff 200 ms, 400 ms, 800 ms, 1.6 s, 3.2 s: 5, plus slack for a slow machine. */
    static final int MAX_BACKED_OFF_ATTEMPTS = 7;

    @KubernetesTestServer
    KubernetesServer server;

    @Inject
    ClusterReader cacheReader;

    ControllerTestSupport cluster;
    String ns;
    SimpleMeterRegistry metrics;
    OrdinalController controller;
    final WarnLines warns = new WarnLines();

    @BeforeEach
    void setUp() {
        cluster = new ControllerTestSupport(server.getClient());
        ns = ControllerTestSupport.namespace();
        metrics = new SimpleMeterRegistry();
        Logger.getLogger("").addHandler(warns);
    }

    @AfterEach
    void tearDown() {
        Logger.getLogger("").removeHandler(warns);
        if (controller != null) {
            controller.close();
        }
        server.getKubernetesMockServer().clearExpectations();
    }

    private void startController() {
        controller = new OrdinalController(
                server.getClient(),
                ControllerTestSupport.scoped(cacheReader, ns),
                LeaderElectionTest.settings(ns, "backoff-test"),
                metrics,
                Clock.systemUTC());
        controller.start();
        await().atMost(ControllerTestSupport.TIMEOUT).until(controller::isLeader);
    }

    private void refusePatchesOf(String pod, int code, String reason, String message) {
        server.expect()
                .patch()
                .withPath("/api/v1/namespaces/" + ns + "/pods/" + pod)
                .andReturn(code, status(code, reason, message))
                .always();
    }

    private static Status status(int code, String reason, String message) {
        return new StatusBuilder()
                .withStatus("Failure")
                .withCode(code)
                .withReason(reason)
                .withMessage(message)
                .build();
    }

    private double failures(String write, String code) {
        return metrics.counter("ordinal.controller.write.failures", "write", write, "code", code)
                .count();
    }

    /** Counts failed attempts during WINDOW after the first one, while {@code during} runs every 100 ms. */
    private double attemptsInWindow(String write, String code, Runnable during) throws InterruptedException {
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> failures(write, code) >= 1);
        long end = System.nanoTime() + WINDOW.toNanos();
        while (System.nanoTime() < end) {
            during.run();
            Thread.sleep(100);
        }
        double n = failures(write, code);
        System.out.printf("[backoff] %s refused with %s: %.0f attempts in %d s%n", write, code, n, WINDOW.toSeconds());
        return n;
    }

    /** Pending member web-0 with the claims gate only and claim templates {@code templates}. */
    private static Pod waitingForClaims(String templates) {
        return PodFixtures.stored("web", 0)
                .gate(CLAIMS_GATE)
                .annotation(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION, templates)
                .pending()
                .build();
    }

    /** Failed attempts during WINDOW while {@code pod} gets a new label every 100 ms (more than 20 of them). */
    private double refusedWhileRelabelled(String write, String code, String pod) throws InterruptedException {
        int[] edits = {0};
        double attempts = attemptsInWindow(write, code, () -> relabel(pod, edits));
        assertThat(edits[0]).as("label changes made").isGreaterThan(20);
        return attempts;
    }

    /** The message of the first WriteFailed Warning on {@code pod}, once there is one. */
    private String firstWarning(String pod) {
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> !writeFailed(pod).isEmpty());
        return writeFailed(pod).get(0).getMessage();
    }

    /**
     * Changes a label of {@code pod}, a change the controller reads (a status condition other than Ready would start
     * no pass), with a PUT, so a refused PATCH path is not hit; counts it in {@code edits[0]}.
     */
    private void relabel(String pod, int[] edits) {
        Pod stored = server.getClient().pods().inNamespace(ns).withName(pod).get();
        stored.getMetadata().getLabels().put("edit", Integer.toString(edits[0]));
        try {
            server.getClient().pods().inNamespace(ns).resource(stored).update();
            edits[0]++;
        } catch (KubernetesClientException e) {
            // 409: the controller's patch or Event got in between; the next round changes it.
        }
    }

    private List<Event> writeFailed(String pod) {
        return cluster.events(ns, pod, ControllerEvent.WRITE_FAILED);
    }

    @Test
    void a422OnGateRemovalBacksOffInsteadOfRetryingEvery100Milliseconds() throws Exception {
        String refusal = "Pod \"web-0\" is invalid: spec: Forbidden: pod updates may not change fields other than"
                + " spec.schedulingGates (changed by another webhook)";
        refusePatchesOf("web-0", 422, "Invalid", refusal);
        cluster.create(
                ns, PodFixtures.stored("web", 0).gate(ORDERED_GATE).pending().build());
        startController();

        double attempts = attemptsInWindow("remove-gate", "422", () -> {});
        assertThat(attempts).as("gate patches refused with 422 in %s", WINDOW).isBetween(3.0, (double)
                MAX_BACKED_OFF_ATTEMPTS);
        assertThat(cluster.hasGate(ns, "web-0", ORDERED_GATE)).isTrue();
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> !writeFailed("web-0").isEmpty());
        assertThat(writeFailed("web-0"))
                .as("one Warning, repeated as a count")
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getMessage())
                            .isEqualTo("Removing scheduling gate " + ORDERED_GATE + " from pod web-0 failed:"
                                    + " HTTP 422 Invalid: " + refusal + "; retrying with backoff");
                    assertThat(e.getCount()).isGreaterThan(1);
                });
        assertThat(warns.from(OrdinalController.class))
                .as("WARN lines (rate-limited per set): %s", warns.lines)
                .singleElement()
                .satisfies(l -> assertThat(l).contains(ns + "/web", "HTTP 422", refusal));

        server.getKubernetesMockServer().clearExpectations();
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-0", ORDERED_GATE));
    }

    @Test
    void a403FromOrdinalsWebhookNamesTheIdentityAndTheSettingAndChangesDoNotCutTheBackoffShort() throws Exception {
        String user = "system:serviceaccount:ordinal-system:renamed";
        Pod before = PodFixtures.stored("web", 0).gate(ORDERED_GATE).build();
        Pod after = PodFixtures.stored("web", 0).build();
        Decision denial =
                UpdateRules.validate(before, after, user, List.of("system:serviceaccount:ordinal-system:ordinal"));
        // What the API server answers when a validating webhook denies: its message, prefixed.
        String refusal = "admission webhook \"validate-pods.ordinal.dev\" denied the request: "
                + ((Decision.Deny) denial).message();
        refusePatchesOf("web-0", 403, "Forbidden", refusal);
        cluster.create(
                ns, PodFixtures.stored("web", 0).gate(ORDERED_GATE).pending().build());
        startController();

        // The pod keeps changing (a label per 100 ms), and each change queues the set: none may cut the backoff short.
        assertThat(refusedWhileRelabelled("remove-gate", "403", "web-0"))
                .as("gate patches refused with 403 in %s while the pod changed", WINDOW)
                .isLessThanOrEqualTo(MAX_BACKED_OFF_ATTEMPTS);
        assertThat(firstWarning("web-0"))
                .startsWith("Removing scheduling gate " + ORDERED_GATE
                        + " from pod web-0 failed: HTTP 403 Forbidden: admission webhook")
                .contains("the controller acts as \"" + user + "\": add it to ordinal.controller-users"
                        + " (env ORDINAL_CONTROLLER_USERS)");
    }

    @Test
    void a403ThatNamesNobodyIsAttributedThroughOneSelfSubjectReview() throws Exception {
        String user = "system:serviceaccount:ordinal-system:ordinal";
        server.expect()
                .post()
                .withPath("/apis/authentication.k8s.io/v1/selfsubjectreviews")
                .andReturn(
                        201,
                        new SelfSubjectReviewBuilder()
                                .withNewStatus()
                                .withNewUserInfo()
                                .withUsername(user)
                                .endUserInfo()
                                .endStatus()
                                .build())
                .always();
        refusePatchesOf(
                "web-0",
                403,
                "Forbidden",
                "admission webhook \"policy.example.com\" denied the request:" + " gates are frozen");
        cluster.create(
                ns, PodFixtures.stored("web", 0).gate(ORDERED_GATE).pending().build());
        startController();

        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> !writeFailed("web-0").isEmpty());
        assertThat(writeFailed("web-0").get(0).getMessage())
                .contains("gates are frozen", "the controller acts as \"" + user + "\"", "ordinal.controller-users");
    }

    @Test
    void a503OnGateRemovalBacksOff() throws Exception {
        String refusal = "Internal error occurred: failed calling webhook \"validate-pods.ordinal.dev\": failed to"
                + " call webhook: Post \"https://ordinal.ordinal-system.svc:443/validate-pods\": connection refused";
        refusePatchesOf("web-0", 503, "ServiceUnavailable", refusal);
        cluster.create(
                ns, PodFixtures.stored("web", 0).gate(ORDERED_GATE).pending().build());
        startController();

        double attempts = attemptsInWindow("remove-gate", "503", () -> {});
        assertThat(attempts).as("gate patches answered 503 in %s", WINDOW).isLessThanOrEqualTo(MAX_BACKED_OFF_ATTEMPTS);
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> !writeFailed("web-0").isEmpty());
        assertThat(writeFailed("web-0").get(0).getMessage()).contains("HTTP 503 ServiceUnavailable", refusal);
    }

    @Test
    void aConflictIsRetriedQuicklyAFewTimesThenBacksOff() throws Exception {
        refusePatchesOf(
                "web-0",
                409,
                "Conflict",
                "Operation cannot be fulfilled on pods \"web-0\": the object has"
                        + " been modified; please apply your changes to the latest version and try again");
        cluster.create(
                ns, PodFixtures.stored("web", 0).gate(ORDERED_GATE).pending().build());
        startController();

        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> failures("remove-gate", "409") >= 1);
        Thread.sleep(700);
        assertThat(failures("remove-gate", "409"))
                .as("quick retries of a conflict within 700 ms")
                .isGreaterThanOrEqualTo(1 + OrdinalController.QUICK_CONFLICT_RETRIES);
        double attempts = attemptsInWindow("remove-gate", "409", () -> {});
        assertThat(attempts)
                .as("conflicts in %s", WINDOW)
                .isLessThanOrEqualTo(OrdinalController.QUICK_CONFLICT_RETRIES + MAX_BACKED_OFF_ATTEMPTS);
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> !writeFailed("web-0").isEmpty());
        assertThat(writeFailed("web-0"))
                .as("one Warning once quick retries did not help, then counted")
                .singleElement()
                .satisfies(e -> assertThat(e.getCount()).isLessThan((int) attempts));
    }

    @Test
    void a422OnClaimCreateIsAWarningAndNoTightRetry() throws Exception {
        String refusal = "PersistentVolumeClaim \"data-web-0\" is invalid: spec.resources[storage]: Required value";
        server.expect()
                .post()
                .withPath("/api/v1/namespaces/" + ns + "/persistentvolumeclaims")
                .andReturn(422, status(422, "Invalid", refusal))
                .always();
        cluster.create(ns, waitingForClaims("{\"data\":{\"spec\":{\"accessModes\":[\"ReadWriteOnce\"]}}}"));
        startController();

        double attempts = attemptsInWindow("create-claim", "422", () -> {});
        assertThat(attempts)
                .as("claim creations refused with 422 in %s", WINDOW)
                .isLessThanOrEqualTo(MAX_BACKED_OFF_ATTEMPTS);
        assertThat(cluster.hasGate(ns, "web-0", CLAIMS_GATE))
                .as("the claims gate stays")
                .isTrue();
        await().atMost(ControllerTestSupport.TIMEOUT)
                .until(() -> !writeFailed("web-0").isEmpty());
        assertThat(writeFailed("web-0").get(0).getMessage())
                .isEqualTo("Creating PersistentVolumeClaim data-web-0 for" + " pod web-0 failed: HTTP 422 Invalid: "
                        + refusal + "; retrying with backoff");
        assertThat(metrics.counter("ordinal.controller.reconcile.errors").count())
                .isGreaterThanOrEqualTo(attempts);
    }

    /**
     * A pod waiting only for its claims has its claim work run on its own, outside the pass that started it. A pass
     * that runs while that work is still going (each label change below starts one) must not count as a success that
     * resets the set's backoff: a refused claims-gate removal still backs off exponentially.
     */
    @Test
    void aRefusedClaimsGateOfAPodWaitingOnlyForClaimsBacksOffWhileThePodChanges() throws Exception {
        String refusal = "admission webhook \"validate-pods.ordinal.dev\" denied the request: not allowed";
        refusePatchesOf("web-0", 403, "Forbidden", refusal);
        cluster.create(
                ns,
                waitingForClaims("{\"data\":{\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],"
                        + "\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}}"));
        startController();

        assertThat(refusedWhileRelabelled("remove-gate", "403", "web-0"))
                .as("claims-gate patches refused with 403 in %s while the pod changed", WINDOW)
                .isBetween(2.0, (double) MAX_BACKED_OFF_ATTEMPTS);
        assertThat(server.getClient()
                        .persistentVolumeClaims()
                        .inNamespace(ns)
                        .withName("data-web-0")
                        .get())
                .as("the claim was created before the gate patch")
                .isNotNull();
        assertThat(firstWarning("web-0"))
                .startsWith("Removing scheduling gate " + CLAIMS_GATE + " from pod web-0 failed: HTTP 403 Forbidden");

        server.getKubernetesMockServer().clearExpectations();
        await().atMost(ControllerTestSupport.TIMEOUT).until(() -> !cluster.hasGate(ns, "web-0", CLAIMS_GATE));
    }

    /** WARN and ERROR lines, formatted, with their logger. */
    static final class WarnLines extends Handler {
        final List<String[]> lines = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
                lines.add(new String[] {record.getLoggerName(), message});
            }
        }

        List<String> from(Class<?> logger) {
            return lines.stream()
                    .filter(l -> logger.getName().equals(l[0]))
                    .map(l -> l[1])
                    .toList();
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
