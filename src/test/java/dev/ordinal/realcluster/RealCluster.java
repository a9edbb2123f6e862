package dev.ordinal.realcluster;

import static org.awaitility.Awaitility.await;

import dev.ordinal.support.PackagedApp;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Ordinal installed as a user installs it outside a cluster, on a real control plane: the manifests of
 * {@code deploy/overlays/out-of-cluster} applied with the real kubectl, the packaged jar running as the ServiceAccount
 * {@code ordinal-system/ordinal} (a token from the TokenRequest API, so exactly the RBAC of {@code deploy/base}),
 * two replicas behind a TLS-passthrough balancer on 127.0.0.1:8443 where the webhook configurations point, and a
 * kubelet stand-in. One per JVM: started on first use, stopped at exit.
 */
final class RealCluster implements AutoCloseable {

    static final Path WORK = Path.of("target", "real-cluster");
    static final Path CERTS = Path.of("certs", "out");
    static final String OVERLAY = "deploy/overlays/out-of-cluster";
    static final int WEBHOOK_PORT = 8443;
    /**
     * Shorter than the defaults so that healing, fail-over and a certificate renewal fit in a test; every other setting
     * is the default.
     */
    static final Map<String, String> SETTINGS = Map.of(
            "ORDINAL_ADMISSION_RESERVATION_TTL", "5s",
            "ORDINAL_CONTROLLER_RESYNC_PERIOD", "5s",
            "ORDINAL_CONTROLLER_LEASE_DURATION", "8s",
            "ORDINAL_CONTROLLER_RENEW_DEADLINE", "6s",
            "ORDINAL_CONTROLLER_RETRY_PERIOD", "1s",
            "ORDINAL_TLS_RELOAD_PERIOD", "1s");

    static final Duration KUBELET_START_DELAY = Duration.ofMillis(600);

    private static RealCluster shared;

    final ControlPlane controlPlane;
    final KubeletStandIn kubelet;
    final TcpBalancer balancer;
    final Kubectl kubectl;
    final Path ordinalKubeconfig;
    private final Map<String, PackagedApp> replicas = new HashMap<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private volatile String lastNamespace;

    /** The cluster of this JVM, started on first call (a few seconds once the binaries are built). */
    static synchronized RealCluster shared() throws Exception {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    shared.close();
                } catch (Exception e) {
                    e.printStackTrace();
                }
            }));
        }
        return shared;
    }

    private RealCluster(
            ControlPlane controlPlane,
            KubeletStandIn kubelet,
            TcpBalancer balancer,
            Kubectl kubectl,
            Path ordinalKubeconfig) {
        this.controlPlane = controlPlane;
        this.kubelet = kubelet;
        this.balancer = balancer;
        this.kubectl = kubectl;
        this.ordinalKubeconfig = ordinalKubeconfig;
    }

    static RealCluster start() throws Exception {
        deleteRecursively(WORK);
        Files.createDirectories(WORK);
        Path bin = KubeBinaries.ensureBuilt(WORK);
        ControlPlane cp = ControlPlane.start(bin, WORK.resolve("control-plane").toAbsolutePath());
        KubeletStandIn kubelet = null;
        TcpBalancer balancer = null;
        try {
            kubelet = new KubeletStandIn(
                    cp.admin(), List.of("node-a", "node-b"), KUBELET_START_DELAY, Duration.ofMillis(300));
            Kubectl kubectl = new Kubectl(bin.resolve("kubectl"), cp.adminKubeconfig());
            generateCertificates();
            kubectl.run("apply", "-k", OVERLAY).orFail();
            String token = awaitToken(kubectl);
            Path kubeconfig = WORK.resolve("ordinal.kubeconfig").toAbsolutePath();
            cp.writeKubeconfig(kubeconfig, token);
            balancer = new TcpBalancer(WEBHOOK_PORT);
            RealCluster cluster = new RealCluster(cp, kubelet, balancer, kubectl, kubeconfig);
            cluster.startReplica("ordinal-a");
            cluster.startReplica("ordinal-b");
            return cluster;
        } catch (Exception | Error e) {
            if (balancer != null) {
                balancer.close();
            }
            if (kubelet != null) {
                kubelet.close();
            }
            cp.close();
            throw e;
        }
    }

    /** Starts replica {@code identity} (its Lease identity), waits until it is ready and adds it to the balancer. */
    PackagedApp startReplica(String identity) throws Exception {
        return startReplica(identity, Map.of());
    }

    /** {@link #startReplica(String)} with {@code extraEnv} on top of {@link #SETTINGS}. */
    PackagedApp startReplica(String identity, Map<String, String> extraEnv) throws Exception {
        Map<String, String> env = new HashMap<>(SETTINGS);
        env.putAll(extraEnv);
        env.put("POD_NAMESPACE", "ordinal-system");
        env.put("ORDINAL_CONTROLLER_IDENTITY", identity);
        PackagedApp app = PackagedApp.startWithKubeconfig(
                ordinalKubeconfig, CERTS, env, WORK.resolve(identity + "-" + System.currentTimeMillis() + ".log"));
        try {
            app.awaitReady(Duration.ofSeconds(90));
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
        replicas.put(identity, app);
        balancer.add(app.httpsPort());
        return app;
    }

    /** Kills replica {@code identity} with SIGKILL (no Lease release) and takes it out of the balancer. */
    void killReplica(String identity) throws InterruptedException {
        PackagedApp app = replicas.remove(identity);
        balancer.remove(app.httpsPort());
        app.kill();
    }

    /** Stops replica {@code identity} gracefully and takes it out of the balancer. */
    void stopReplica(String identity) throws InterruptedException {
        PackagedApp app = replicas.remove(identity);
        balancer.remove(app.httpsPort());
        app.close();
    }

    Map<String, PackagedApp> replicas() {
        return Map.copyOf(replicas);
    }

    /** The identity holding the controller's Lease, if any. */
    Optional<String> leader() {
        Lease lease = admin().leases()
                .inNamespace("ordinal-system")
                .withName("ordinal-controller")
                .get();
        return Optional.ofNullable(lease).map(l -> l.getSpec().getHolderIdentity());
    }

    KubernetesClient admin() {
        return controlPlane.admin();
    }

    /** A fresh namespace {@code name}, returned once its default ServiceAccount exists (pods need it). */
    String namespace(String name) {
        admin().namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .build())
                .create();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> admin().serviceAccounts()
                                .inNamespace(name)
                                .withName("default")
                                .get()
                        != null);
        lastNamespace = name;
        return name;
    }

    /** The namespace most recently made by {@link #namespace(String)}: the one a failing test was working in. */
    String lastNamespace() {
        return lastNamespace;
    }

    /**
     * Re-issues the webhook's serving certificate and key from the same CA ({@code certs/gen-certs.sh --renew}), as a
     * renewal does; the replicas read the files again within {@code ORDINAL_TLS_RELOAD_PERIOD}.
     */
    void renewServingCertificate() throws IOException, InterruptedException {
        generateCertificates("--renew");
    }

    static void generateCertificates(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "certs/gen-certs.sh"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(WORK.resolve("gen-certs.log").toFile());
        pb.environment().put("ORDINAL_CERT_IPS", "127.0.0.1");
        int code = pb.start().waitFor();
        if (code != 0) {
            throw new IllegalStateException(
                    "certs/gen-certs.sh failed (" + code + "): " + Files.readString(WORK.resolve("gen-certs.log")));
        }
    }

    /** A token for ordinal-system/ordinal from the TokenRequest API, once the ServiceAccount is there. */
    static String awaitToken(Kubectl kubectl) {
        Kubectl.Result token = await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> kubectl.run("-n", "ordinal-system", "create", "token", "ordinal", "--duration=24h"),
                        Kubectl.Result::ok);
        return token.stdout().trim();
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }

    @Override
    public void close() throws Exception {
        for (PackagedApp app : replicas.values()) {
            app.close();
        }
        replicas.clear();
        balancer.close();
        kubelet.close();
        controlPlane.close();
    }
}
