package dev.ordinal.realcluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ordinal.support.PackagedApp;
import dev.ordinal.support.TrustAll;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver (Node,RBAC authorization, service-account token
 * signing, the default admission plugins plus NodeRestriction, an audit log of every write), kube-controller-manager
 * (each controller under its own ServiceAccount, as kubeadm runs it) and kube-scheduler. Only the kubelet and the
 * container runtime are missing; {@link KubeletStandIn} plays them.
 */
final class ControlPlane implements AutoCloseable {

    /**
     * The controllers this suite needs. Node lifecycle is left out: the stand-in's nodes never heartbeat, so it would
     * taint them NotReady and evict every pod.
     */
    static final List<String> CONTROLLERS = List.of(
            "replicaset-controller",
            "deployment-controller",
            "job-controller",
            "statefulset-controller",
            "resourcequota-controller",
            "garbage-collector-controller",
            "serviceaccount-controller",
            "serviceaccount-token-controller",
            "namespace-controller",
            "ephemeral-volume-controller",
            "persistentvolume-binder-controller",
            "persistentvolumeclaim-protection-controller",
            "persistentvolume-protection-controller",
            "disruption-controller",
            "pod-garbage-collector-controller",
            "endpointslice-controller",
            "root-ca-certificate-publisher-controller",
            "clusterrole-aggregation-controller");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    final Path bin;
    final Path dir;
    final String adminToken = randomToken();
    final int apiPort;
    private final List<Process> processes = new ArrayList<>();
    private KubernetesClient admin;

    private ControlPlane(Path bin, Path dir) throws IOException {
        this.bin = bin;
        this.dir = dir;
        this.apiPort = PackagedApp.freePort();
    }

    /** Starts all four components with their state under {@code dir}; returns once the API server is ready. */
    static ControlPlane start(Path bin, Path dir) throws Exception {
        ControlPlane cp = new ControlPlane(bin, dir);
        try {
            cp.startAll();
            return cp;
        } catch (Exception | Error e) {
            cp.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        Files.createDirectories(dir.resolve("pki"));
        writeServiceAccountKeys();
        String kcmToken = randomToken();
        String schedulerToken = randomToken();
        Files.writeString(
                dir.resolve("tokens.csv"),
                String.join(
                                "\n",
                                adminToken + ",e2e-admin,e2e-admin,\"system:masters\"",
                                kcmToken + ",system:kube-controller-manager,kcm,",
                                schedulerToken + ",system:kube-scheduler,scheduler,")
                        + "\n");
        Files.writeString(dir.resolve("audit-policy.yaml"), """
                apiVersion: audit.k8s.io/v1
                kind: Policy
                omitStages: ["RequestReceived"]
                rules:
                  # Every write, so that what else loaded the API server during a step can be read back.
                  - level: Metadata
                    verbs: ["create", "update", "patch", "delete", "deletecollection"]
                  # Ordinal's lists: how its caches page through the cluster.
                  - level: Metadata
                    users: ["system:serviceaccount:ordinal-system:ordinal"]
                    verbs: ["list"]
                  - level: None
                """);

        int etcdPort = PackagedApp.freePort();
        int peerPort = PackagedApp.freePort();
        String peer = "http://127.0.0.1:" + peerPort;
        launch(
                "etcd",
                List.of(
                        "--name=e2e",
                        "--data-dir=" + dir.resolve("etcd"),
                        "--listen-client-urls=http://127.0.0.1:" + etcdPort,
                        "--advertise-client-urls=http://127.0.0.1:" + etcdPort,
                        "--listen-peer-urls=" + peer,
                        "--initial-advertise-peer-urls=" + peer,
                        "--initial-cluster=e2e=" + peer,
                        // A test's cluster dies with the test: durability across power loss buys nothing here.
                        "--unsafe-no-fsync",
                        "--log-level=warn"));
        awaitHttp(URI.create("http://127.0.0.1:" + etcdPort + "/health"), false, "etcd");

        launch(
                "kube-apiserver",
                List.of(
                        "--etcd-servers=http://127.0.0.1:" + etcdPort,
                        "--bind-address=127.0.0.1",
                        "--advertise-address=127.0.0.1",
                        "--secure-port=" + apiPort,
                        "--cert-dir=" + dir.resolve("pki"),
                        "--authorization-mode=Node,RBAC",
                        "--token-auth-file=" + dir.resolve("tokens.csv"),
                        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                        "--service-account-key-file=" + dir.resolve("sa.pub"),
                        "--service-account-signing-key-file=" + dir.resolve("sa.key"),
                        "--service-cluster-ip-range=10.96.0.0/16",
                        "--endpoint-reconciler-type=none",
                        "--enable-admission-plugins=NodeRestriction",
                        "--allow-privileged=true",
                        "--audit-policy-file=" + dir.resolve("audit-policy.yaml"),
                        "--audit-log-path=" + auditLog(),
                        "--profiling=false"));
        awaitHttp(URI.create(url() + "/readyz"), true, "kube-apiserver");

        writeKubeconfig(dir.resolve("kcm.kubeconfig"), kcmToken);
        writeKubeconfig(dir.resolve("scheduler.kubeconfig"), schedulerToken);
        writeKubeconfig(adminKubeconfig(), adminToken);
        launch(
                "kube-controller-manager",
                List.of(
                        "--kubeconfig=" + dir.resolve("kcm.kubeconfig"),
                        "--secure-port=0",
                        "--leader-elect=false",
                        "--use-service-account-credentials=true",
                        "--service-account-private-key-file=" + dir.resolve("sa.key"),
                        "--root-ca-file=" + caFile(),
                        "--controllers=" + String.join(",", CONTROLLERS),
                        "--pvclaimbinder-sync-period=2s"));
        launch(
                "kube-scheduler",
                List.of(
                        "--kubeconfig=" + dir.resolve("scheduler.kubeconfig"),
                        "--secure-port=0",
                        "--leader-elect=false"));
        admin = new KubernetesClientBuilder().withConfig(config(adminToken)).build();
    }

    String url() {
        return "https://127.0.0.1:" + apiPort;
    }

    /** The API server's self-signed serving certificate and its CA, as kube-apiserver wrote them. */
    Path caFile() {
        return dir.resolve("pki/apiserver.crt");
    }

    Path adminKubeconfig() {
        return dir.resolve("admin.kubeconfig");
    }

    Path auditLog() {
        return dir.resolve("audit.log");
    }

    /** The audit log's events, in the order written, that {@code filter} accepts. */
    List<JsonNode> auditEvents(Predicate<JsonNode> filter) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(auditLog())) {
            JsonNode e = json.readTree(line);
            if (filter.test(e)) {
                events.add(e);
            }
        }
        return events;
    }

    /**
     * The request URIs of the cluster-wide lists of {@code resource} by {@code user} that the audit log saw from
     * {@code sinceMillis} (epoch) on: how that user's informers paged through the cluster.
     */
    List<String> clusterWideListsSince(String user, String resource, long sinceMillis) throws IOException {
        return auditEvents(e -> "list".equals(e.path("verb").asText())
                        && user.equals(e.path("user").path("username").asText())
                        && resource.equals(e.path("objectRef").path("resource").asText())
                        && e.path("objectRef").path("namespace").isMissingNode()
                        && Instant.parse(e.path("requestReceivedTimestamp").asText())
                                        .toEpochMilli()
                                >= sinceMillis)
                .stream()
                .map(e -> e.path("requestURI").asText())
                .toList();
    }

    /** CPU time etcd, the API server, the controller manager and the scheduler have used so far (all threads). */
    long cpuNanos() throws IOException {
        long sum = 0;
        for (Process p : processes) {
            sum += PackagedApp.cpuNanosOf(p.pid());
        }
        return sum;
    }

    /** A client with cluster-admin rights (group system:masters). */
    KubernetesClient admin() {
        return admin;
    }

    /** A client config for bearer {@code token}, trusting only this API server's CA. */
    Config config(String token) {
        return new ConfigBuilder(Config.empty())
                .withMasterUrl(url())
                .withOauthToken(token)
                .withCaCertFile(caFile().toString())
                .withNamespace("default")
                .withRequestTimeout(30_000)
                .build();
    }

    /** Writes a kubeconfig for bearer {@code token}, as {@code kubectl config} would. */
    void writeKubeconfig(Path file, String token) throws IOException {
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: e2e
                    cluster: {server: "%s", certificate-authority: "%s"}
                users:
                  - name: e2e
                    user: {token: "%s"}
                contexts:
                  - name: e2e
                    context: {cluster: e2e, user: e2e, namespace: default}
                current-context: e2e
                """.formatted(url(), caFile().toAbsolutePath(), token));
    }

    /** Tail of component {@code name}'s log, for failure messages. */
    String logTail(String name, int lines) {
        try {
            List<String> all = Files.readAllLines(dir.resolve(name + ".log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private void launch(String name, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(bin.resolve(name).toString());
        command.addAll(args);
        processes.add(new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile())
                .start());
    }

    private void awaitHttp(URI uri, boolean authenticated, String component) throws Exception {
        HttpClient http = TrustAll.httpClient();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            Process p = processes.get(processes.size() - 1);
            if (!p.isAlive()) {
                throw new IllegalStateException(
                        component + " exited with code " + p.exitValue() + ":\n" + logTail(component, 40));
            }
            try {
                HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5));
                if (authenticated) {
                    request.header("Authorization", "Bearer " + adminToken);
                }
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + response.statusCode() + ": " + response.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(
                component + " was not ready within " + START_TIMEOUT + " (" + last + "):\n" + logTail(component, 40));
    }

    /** The key pair that signs and verifies ServiceAccount tokens, as PKCS#8 and X.509 PEM. */
    private void writeServiceAccountKeys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        Files.writeString(
                dir.resolve("sa.key"), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
        Files.writeString(
                dir.resolve("sa.pub"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static String randomToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void close() throws InterruptedException {
        if (admin != null) {
            admin.close();
        }
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process p = processes.get(i);
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
