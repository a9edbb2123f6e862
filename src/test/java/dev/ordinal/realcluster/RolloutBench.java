package dev.ordinal.realcluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ordinal.support.PackagedApp;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * {@code make bench-rollout}: rollouts on one real control plane, Ordinal (a Deployment with the {@code ordinal.dev/set}
 * label, two replicas behind the round-robin balancer) against a StatefulSet of the same shape (the real StatefulSet
 * controller). The kubelet stand-in makes each bound pod Ready after {@code rollout.ready-delay} (1 s). Times, from
 * the {@code kubectl} command to the end state as seen by a watch: a 20-replica OrderedReady rollout, a 100-replica
 * Parallel rollout with a claim each, scale-down (20 → 10 and 100 → 50) and the re-creation of {@code web-3}.
 * Counts, from the API server's audit log, the ReplicaSet's pod creations refused ({@code AlreadyExists} between the
 * two replicas, and any other code), and times the same Parallel rollout with one replica to show what they cost.
 * Writes {@code target/bench/rollouts.md} (printed) and per-pod timelines {@code target/bench/rollout-timelines.csv};
 * {@code rollouts-native.md} and {@code rollout-timelines-native.csv} when the replicas are the native executable
 * ({@code -Dordinal.packaged=native}, {@code make bench-rollout PACKAGED=native}).
 */
public final class RolloutBench {

    static final Path OUT = Path.of("target", "bench");
    /** Which build of Ordinal the replicas are, in the report's file names: "" for the jar, "-native". */
    static final String BUILD = PackagedApp.nativeRunner() == null ? "" : "-native";

    static final Duration READY_DELAY = Duration.ofMillis(Long.getLong("rollout.ready-delay-ms", 1000));
    static final int ORDERED = Integer.getInteger("rollout.ordered", 20);
    static final int PARALLEL = Integer.getInteger("rollout.parallel", 100);
    static final Duration TIMEOUT = Duration.ofSeconds(Integer.getInteger("rollout.timeout-s", 150));
    static final String RS_USER = "system:serviceaccount:kube-system:replicaset-controller";

    private final RealCluster cluster;
    private final KubernetesClient admin;
    private final List<String[]> results = new ArrayList<>();
    private final List<String> csv = new ArrayList<>();
    private final List<CpuUse> cpu = new ArrayList<>();

    /**
     * What the 2 cores did during one rollout: the machine's busy fraction (/proc/stat) and the CPU time of Ordinal's
     * replicas (/proc/&lt;pid&gt;/stat), which share the cores with the control plane they wait on.
     */
    record CpuUse(
            String scenario,
            String impl,
            double wallS,
            double machineBusy,
            double ordinalCpuS,
            double compilerCpuS,
            long controllerPasses,
            double controllerPassS) {

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "machine %.0f %% busy, Ordinal's replicas %.1f CPU s, %.1f of it in JIT compilers, %d controller"
                            + " passes taking %.1f s",
                    100 * machineBusy,
                    ordinalCpuS,
                    compilerCpuS,
                    controllerPasses,
                    controllerPassS);
        }
    }

    /** The CPU counters when a step started; {@link #stop} adds what the step used to the CPU table. */
    private final class CpuWatch {
        private final long[] machine = machineJiffies();
        private final long ordinalNanos = ordinalCpuNanos();
        private final long compilerNanos = compilerCpuNanos();
        private final double passes = metricSum(PASSES);
        private final double passSeconds = metricSum(PASS_SECONDS);

        CpuWatch() throws Exception {}

        CpuUse stop(String scenario, String impl, double wallS) throws Exception {
            long[] after = machineJiffies();
            CpuUse used = new CpuUse(
                    scenario,
                    impl,
                    wallS,
                    1.0 - (double) (after[1] - machine[1]) / Math.max(1, after[0] - machine[0]),
                    (ordinalCpuNanos() - ordinalNanos) / 1e9,
                    (compilerCpuNanos() - compilerNanos) / 1e9,
                    Math.round(metricSum(PASSES) - passes),
                    metricSum(PASS_SECONDS) - passSeconds);
            cpu.add(used);
            return used;
        }
    }

    private final List<String> notes = new ArrayList<>();

    private RolloutBench(RealCluster cluster) {
        this.cluster = cluster;
        this.admin = cluster.admin();
    }

    public static void main(String[] args) {
        int code = 0;
        long t0 = System.nanoTime();
        try (RealCluster cluster = RealCluster.start()) {
            System.out.printf(
                    "control plane and two Ordinal replicas ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            cluster.kubelet.startDelay(READY_DELAY);
            new RolloutBench(cluster).run();
            System.out.printf("bench-rollout done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        } catch (Exception | AssertionError e) {
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    private void run() throws Exception {
        Files.createDirectories(OUT);
        csv.add("scenario,implementation,pod,created_s,bound_s,ready_s");
        warmUp();

        // OrderedReady, no volume.
        double stsOrdered = rollout("ordered", "statefulset", statefulSet(ORDERED, "OrderedReady", false), ORDERED);
        double ordOrdered = rollout("ordered", "ordinal", deployment(ORDERED, "", false), ORDERED);
        result("rollout, " + ORDERED + " pods, OrderedReady", ordOrdered, stsOrdered, "≤ 1.1×");

        // Parallel, one claim per pod.
        double stsParallel = rollout("parallel", "statefulset", statefulSet(PARALLEL, "Parallel", true), PARALLEL);
        double ordParallel = rollout(
                "parallel",
                "ordinal",
                deployment(PARALLEL, "ordinal.dev/pod-management-policy: Parallel", true),
                PARALLEL);
        result("rollout, " + PARALLEL + " pods, Parallel, a claim each", ordParallel, stsParallel, "≤ 1.1×");
        Refusals parallelRefusals = refusals(ns("parallel", "ordinal"));

        result(
                "scale-down " + ORDERED + " → " + ORDERED / 2 + ", OrderedReady",
                scaleDown("ordered", "ordinal", "deployment/web", ORDERED / 2),
                scaleDown("ordered", "statefulset", "statefulset/web", ORDERED / 2),
                "");
        result(
                "scale-down " + PARALLEL + " → " + PARALLEL / 2 + ", Parallel",
                scaleDown("parallel", "ordinal", "deployment/web", PARALLEL / 2),
                scaleDown("parallel", "statefulset", "statefulset/web", PARALLEL / 2),
                "");
        result(
                "re-create web-3 (OrderedReady, no claim)",
                recreate("ordered", "ordinal", false),
                recreate("ordered", "statefulset", false),
                "");
        result(
                "re-create web-3 (Parallel, same claim data-web-3)",
                recreate("parallel", "ordinal", true),
                recreate("parallel", "statefulset", true),
                "");

        Map<String, Long> http2Reviews = mutateReviews();

        // The API server sends all its reviews over one HTTP/2 connection, which the balancer gives to one replica.
        // With HTTP/1.1 it opens a connection per concurrent request, spread over both: the collision case (as with
        // several API servers, each with its own connection).
        for (String id : List.copyOf(cluster.replicas().keySet())) {
            cluster.stopReplica(id);
        }
        cluster.startReplica("ordinal-c", Map.of("QUARKUS_HTTP_HTTP2", "false"));
        cluster.startReplica("ordinal-d", Map.of("QUARKUS_HTTP_HTTP2", "false"));
        awaitLeader();
        double h1 = rollout(
                "parallel-h1",
                "ordinal",
                deployment(PARALLEL, "ordinal.dev/pod-management-policy: Parallel", true),
                PARALLEL);
        Refusals h1Refusals = refusals(ns("parallel-h1", "ordinal"));
        Map<String, Long> h1Reviews = mutateReviews();

        Files.write(OUT.resolve("rollout-timelines" + BUILD + ".csv"), csv);
        String md = markdown(parallelRefusals, http2Reviews, ordParallel, h1Refusals, h1Reviews, h1, stsParallel);
        Files.writeString(OUT.resolve("rollouts" + BUILD + ".md"), md);
        System.out.println();
        System.out.println(md);
    }

    /** A first small Ordinal set, so that neither side's first measured rollout pays for the replicas' warm-up. */
    private void warmUp() throws Exception {
        String ns = cluster.namespace("warm-up");
        Timeline t = new Timeline(admin, ns);
        try (t) {
            cluster.kubectl.apply(ns, deployment(5, "ordinal.dev/pod-management-policy: Parallel", true));
            t.await(pods -> complete(pods, 5), TIMEOUT, "warm-up");
        }
        cluster.kubectl.run("delete", "namespace", ns, "--wait=false").orFail();
    }

    private static String ns(String scenario, String impl) {
        return scenario + "-" + (impl.equals("ordinal") ? "ord" : "sts");
    }

    private final Map<String, Timeline> timelines = new ConcurrentHashMap<>();

    /** Applies {@code yaml} in a fresh namespace; seconds from the apply until {@code replicas} pods are Ready. */
    private double rollout(String scenario, String impl, String yaml, int replicas) throws Exception {
        String ns = cluster.namespace(ns(scenario, impl));
        Timeline t = new Timeline(admin, ns);
        timelines.put(ns, t);
        if (impl.equals("statefulset")) {
            cluster.kubectl.apply(ns, headlessService());
        }
        CpuWatch watch = new CpuWatch();
        Instant start = Instant.now();
        cluster.kubectl.apply(ns, yaml);
        Instant end = t.await(pods -> complete(pods, replicas), TIMEOUT, ns + " rollout");
        double s = seconds(start, end);
        CpuUse used = watch.stop(scenario, impl, s);
        t.all.values().stream()
                .sorted(Comparator.comparing((Seen p) -> p.created))
                .forEach(p -> csv.add(String.join(
                        ",", scenario, impl, p.name, sec(start, p.created), sec(start, p.bound), sec(start, p.ready))));
        System.out.printf("%-12s %-11s %3d pods Ready in %6.2f s (%s)%n", scenario, impl, replicas, s, used);
        return s;
    }

    /** Seconds from {@code kubectl scale} until only {@code to} pods exist (the others are gone, not terminating). */
    private double scaleDown(String scenario, String impl, String resource, int to) throws Exception {
        String ns = ns(scenario, impl);
        Timeline t = timelines.get(ns);
        CpuWatch watch = new CpuWatch();
        Instant start = Instant.now();
        cluster.kubectl.run("-n", ns, "scale", resource, "--replicas=" + to).orFail();
        Instant end = t.await(pods -> pods.size() == to && complete(pods, to), TIMEOUT, ns + " scale-down");
        double s = seconds(start, end);
        CpuUse used = watch.stop(scenario + " scale-down", impl, s);
        System.out.printf("%-12s %-11s scale-down to %d in %6.2f s (%s)%n", scenario, impl, to, s, used);
        return s;
    }

    /** Seconds from {@code kubectl delete pod web-3} until a new web-3 is Ready; checks it got the same claim. */
    private double recreate(String scenario, String impl, boolean claim) throws Exception {
        String ns = ns(scenario, impl);
        Timeline t = timelines.get(ns);
        Pod old = admin.pods().inNamespace(ns).withName("web-3").get();
        String oldUid = old.getMetadata().getUid();
        String claimUid = claim ? claimUid(ns) : null;
        CpuWatch watch = new CpuWatch();
        Instant start = Instant.now();
        cluster.kubectl.run("-n", ns, "delete", "pod", "web-3", "--wait=false").orFail();
        Instant end = t.await(
                pods -> pods.values().stream()
                        .anyMatch(p -> p.name.equals("web-3") && !p.uid.equals(oldUid) && p.ready != null),
                TIMEOUT,
                ns + " re-creation");
        if (claim) {
            String now = claimUid(ns);
            Pod fresh = admin.pods().inNamespace(ns).withName("web-3").get();
            boolean mounted = fresh.getSpec().getVolumes().stream()
                    .anyMatch(v -> v.getPersistentVolumeClaim() != null
                            && "data-web-3".equals(v.getPersistentVolumeClaim().getClaimName()));
            if (!claimUid.equals(now) || !mounted) {
                throw new AssertionError(ns + ": re-created web-3 did not get its claim back (claim uid " + claimUid
                        + " → " + now + ", mounted " + mounted + ")");
            }
        }
        double s = seconds(start, end);
        CpuUse used = watch.stop(scenario + " re-create", impl, s);
        System.out.printf("%-12s %-11s web-3 re-created and Ready in %6.2f s (%s)%n", scenario, impl, s, used);
        return s;
    }

    private String claimUid(String ns) {
        PersistentVolumeClaim pvc = admin.persistentVolumeClaims()
                .inNamespace(ns)
                .withName("data-web-3")
                .get();
        return pvc == null ? null : pvc.getMetadata().getUid();
    }

    /** Waits until one of the running replicas holds the controller's Lease. */
    private void awaitLeader() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!cluster.leader().filter(cluster.replicas()::containsKey).isPresent()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no running replica took the Lease within 30 s");
            }
            Thread.sleep(200);
        }
    }

    /** {@code n} live pods, all Ready, and no other pod (terminating ones included) still listed. */
    private static boolean complete(Map<String, Seen> pods, int n) {
        return pods.size() == n && pods.values().stream().allMatch(p -> p.ready != null && p.deleting == null);
    }

    private void result(String what, double ordinal, double sts, String target) {
        results.add(new String[] {
            what,
            String.format(Locale.ROOT, "%.2f", ordinal),
            String.format(Locale.ROOT, "%.2f", sts),
            String.format(Locale.ROOT, "%.2f×", ordinal / sts),
            target
        });
    }

    /** Pod creations in {@code ns} as the audit log saw them, by the ReplicaSet controller. */
    record Refusals(
            int creates, int created, int alreadyExists, Map<String, Integer> otherCodes, double firstToLastS) {}

    private Refusals refusals(String ns) throws IOException {
        int created = 0;
        int already = 0;
        Map<String, Integer> other = new LinkedHashMap<>();
        List<JsonNode> creates = cluster.controlPlane.auditEvents(e -> {
            JsonNode ref = e.path("objectRef");
            return "ResponseComplete".equals(e.path("stage").asText())
                    && "create".equals(e.path("verb").asText())
                    && "pods".equals(ref.path("resource").asText())
                    && !ref.has("subresource")
                    && ns.equals(ref.path("namespace").asText())
                    && RS_USER.equals(e.path("user").path("username").asText());
        });
        for (JsonNode e : creates) {
            int code = e.path("responseStatus").path("code").asInt();
            String reason = e.path("responseStatus").path("reason").asText("");
            if (code == 201) {
                created++;
            } else if (code == 409 && "AlreadyExists".equals(reason)) {
                already++;
            } else {
                other.merge(code + (reason.isEmpty() ? "" : " " + reason), 1, Integer::sum);
            }
        }
        double firstToLastS = creates.isEmpty()
                ? 0
                : seconds(
                        Instant.parse(creates.get(0).path("stageTimestamp").asText()),
                        Instant.parse(creates.get(creates.size() - 1)
                                .path("stageTimestamp")
                                .asText()));
        return new Refusals(creates.size(), created, already, other, firstToLastS);
    }

    /** Mutating reviews each live replica answered since it started (its own metrics). */
    private Map<String, Long> mutateReviews() throws Exception {
        Map<String, Long> counts = new java.util.TreeMap<>();
        for (var e : cluster.replicas().entrySet()) {
            counts.put(e.getKey(), Math.round(sum(metrics(e.getValue().managementPort()), MUTATE_REVIEWS)));
        }
        return counts;
    }

    private static final Predicate<String> MUTATE_REVIEWS =
            l -> l.startsWith("ordinal_admission_requests_total{") && l.contains("mutate");
    private static final Predicate<String> PASSES = sample("ordinal_controller_reconcile_duration_seconds_count");
    private static final Predicate<String> PASS_SECONDS = sample("ordinal_controller_reconcile_duration_seconds_sum");

    private static Predicate<String> sample(String name) {
        return l -> l.startsWith(name + "{") || l.startsWith(name + " ");
    }

    /** The sum over the live replicas of the Prometheus samples {@code line} selects. */
    private double metricSum(Predicate<String> line) throws Exception {
        double total = 0;
        for (var app : cluster.replicas().values()) {
            total += sum(metrics(app.managementPort()), line);
        }
        return total;
    }

    private static double sum(String prometheus, Predicate<String> line) {
        return prometheus
                .lines()
                .filter(line)
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static String metrics(int managementPort) throws Exception {
        return java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create("http://127.0.0.1:" + managementPort + "/q/metrics"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private String markdown(
            Refusals h2,
            Map<String, Long> h2Reviews,
            double h2Time,
            Refusals h1,
            Map<String, Long> h1Reviews,
            double h1Time,
            double stsParallel) {
        StringBuilder md = new StringBuilder();
        md.append(
                BUILD.isEmpty()
                        ? "## Rollouts on the real control plane: Ordinal vs StatefulSet\n\n"
                        : "## Rollouts on the real control plane: Ordinal's native executable vs StatefulSet\n\n");
        md.append(String.format(
                Locale.ROOT,
                """
                `make bench-rollout` (`RolloutBench`): one real control plane (etcd, kube-apiserver, \
                kube-controller-manager with the ReplicaSet, Deployment and StatefulSet controllers, kube-scheduler, \
                all v1.35.4), the kubelet stand-in making each bound pod Ready %.1f s after binding, volumes \
                provisioned on first consumer (StorageClass `standard`). Ordinal: %s, two replicas \
                behind the round-robin TLS-passthrough balancer, settings of docs/real-cluster.md; its sets are \
                `Recreate` Deployments labelled `ordinal.dev/set: web`, with a generic ephemeral volume where a \
                claim is wanted. StatefulSet: the same pod template, `volumeClaimTemplates` for the claim. Each \
                time runs from the `kubectl` command to the end state seen by a watch (all pods Ready; for \
                scale-down, the removed pods gone). One run each, on 2 cores; the 1-minute load average was %.1f \
                when this report was written (the run's own control plane and replicas included).

                """,
                READY_DELAY.toMillis() / 1000.0,
                BUILD.isEmpty() ? "the packaged jar" : "the native executable (`make bench-rollout PACKAGED=native`)",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                        .getSystemLoadAverage()));
        md.append("| scenario | Ordinal (s) | StatefulSet (s) | Ordinal / StatefulSet | target |\n");
        md.append("|---|---:|---:|---:|---|\n");
        for (String[] r : results) {
            md.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        md.append(String.format(
                Locale.ROOT,
                """

                **Creations refused between the two replicas** (audit log: pod creates by the ReplicaSet controller \
                in the %d-pod Parallel rollout; mutating reviews per replica from their metrics, warm-up included):

                | webhook connection | creates | stored | `AlreadyExists` | other refusals | first → last create (s) \
                | reviews per replica | rollout (s) | / StatefulSet |
                |---|---:|---:|---:|---|---:|---|---:|---:|
                | HTTP/2 (as deployed) | %d | %d | %d | %s | %.2f | %s | %.2f | %.2f× |
                | HTTP/1.1 (`QUARKUS_HTTP_HTTP2=false`) | %d | %d | %d | %s | %.2f | %s | %.2f | %.2f× |

                """,
                PARALLEL,
                h2.creates,
                h2.created,
                h2.alreadyExists,
                codes(h2.otherCodes),
                h2.firstToLastS,
                h2Reviews,
                h2Time,
                h2Time / stsParallel,
                h1.creates,
                h1.created,
                h1.alreadyExists,
                codes(h1.otherCodes),
                h1.firstToLastS,
                h1Reviews,
                h1Time,
                h1Time / stsParallel));
        md.append("**CPU during each step** (2 cores: the machine's busy fraction from /proc/stat; Ordinal's two "
                + "replicas from their /proc/<pid>/stat; in the StatefulSet's steps they only watch; the controller's "
                + "passes over a set and their total duration from the leader's "
                + "`ordinal_controller_reconcile_duration_seconds`; of the replicas' CPU, what their JIT compiler threads "
                + "used, from /proc/<pid>/task, a lower bound as the JVM retires idle compiler threads):\n\n");
        md.append(
                "| scenario | implementation | time (s) | machine busy | Ordinal replicas (CPU s) "
                        + "| of it, JIT compilers (CPU s) | Ordinal's share of the 2 cores | controller passes | in passes (s) |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (CpuUse u : cpu) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %.2f | %.0f %% | %.1f | %.1f | %.0f %% | %d | %.1f |%n",
                    u.scenario(),
                    u.impl(),
                    u.wallS(),
                    100 * u.machineBusy(),
                    u.ordinalCpuS(),
                    u.compilerCpuS(),
                    100 * u.ordinalCpuS() / (2 * u.wallS()),
                    u.controllerPasses(),
                    u.controllerPassS()));
        }
        md.append("\n");
        notes.forEach(n -> md.append(n).append("\n"));
        md.append("Per-pod timelines (seconds from the `kubectl apply` to creation, binding and Ready, both "
                + "implementations): `target/bench/rollout-timelines" + BUILD + ".csv`.\n");
        return md.toString();
    }

    /** Total and idle (idle + iowait) jiffies of all CPUs, from the first line of /proc/stat. */
    private static long[] machineJiffies() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i <= 8 && i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
    }

    private long ordinalCpuNanos() throws IOException {
        long sum = 0;
        for (var app : cluster.replicas().values()) {
            sum += app.cpuNanos();
        }
        return sum;
    }

    private long compilerCpuNanos() throws IOException {
        long sum = 0;
        for (var app : cluster.replicas().values()) {
            sum += app.compilerCpuNanos();
        }
        return sum;
    }

    private static String codes(Map<String, Integer> codes) {
        return codes.isEmpty() ? "none" : codes.toString();
    }

    private static double seconds(Instant a, Instant b) {
        return Duration.between(a, b).toMillis() / 1000.0;
    }

    private static String sec(Instant start, Instant at) {
        return at == null ? "" : String.format(Locale.ROOT, "%.3f", seconds(start, at));
    }

    static String deployment(int replicas, String annotations, boolean volume) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  replicas: %1$d
                  strategy: {type: Recreate}
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata:
                      labels: {app: web, ordinal.dev/set: web}
                      annotations: {%2$s}
                    spec:
                      containers:
                        - name: app
                          image: nginx:1.27
                          ports: [{containerPort: 80, name: web}]
                %3$s
                """.formatted(replicas, annotations, volume ? """
                          volumeMounts: [{name: data, mountPath: /data}]
                      volumes:
                        - name: data
                          ephemeral:
                            volumeClaimTemplate:
                              spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
                """ : "");
    }

    static String statefulSet(int replicas, String policy, boolean volume) {
        return """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: web}
                spec:
                  replicas: %1$d
                  serviceName: web
                  podManagementPolicy: %2$s
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata:
                      labels: {app: web}
                    spec:
                      containers:
                        - name: app
                          image: nginx:1.27
                          ports: [{containerPort: 80, name: web}]
                %3$s
                """.formatted(replicas, policy, volume ? """
                          volumeMounts: [{name: data, mountPath: /data}]
                  volumeClaimTemplates:
                    - metadata: {name: data}
                      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
                """ : "");
    }

    /** What Ordinal's controller creates for its sets; the StatefulSet gets the same by hand. */
    static String headlessService() {
        return """
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec:
                  clusterIP: None
                  publishNotReadyAddresses: true
                  selector: {app: web}
                  ports: [{name: web, port: 80}]
                """;
    }

    /** What a watch saw of one pod (one uid): when it was first seen, bound, Ready, marked for deletion. */
    static final class Seen {
        final String name;
        final String uid;
        final Instant created;
        volatile Instant bound;
        volatile Instant ready;
        volatile Instant deleting;

        Seen(String name, String uid, Instant created) {
            this.name = name;
            this.uid = uid;
            this.created = created;
        }
    }

    /** A watch of one namespace's pods recording, per uid, the times the bench needs; deleted pods leave it. */
    static final class Timeline implements AutoCloseable {
        final Map<String, Seen> pods = new ConcurrentHashMap<>();
        /** Every pod ever seen, deleted ones included, for the CSV. */
        final Map<String, Seen> all = new ConcurrentHashMap<>();

        private final SharedIndexInformer<Pod> informer;
        private final Object changed = new Object();

        Timeline(KubernetesClient client, String namespace) {
            informer = client.pods().inNamespace(namespace).inform(new ResourceEventHandler<>() {
                @Override
                public void onAdd(Pod pod) {
                    seen(pod);
                }

                @Override
                public void onUpdate(Pod oldPod, Pod pod) {
                    seen(pod);
                }

                @Override
                public void onDelete(Pod pod, boolean unknown) {
                    pods.remove(pod.getMetadata().getUid());
                    signal();
                }
            });
        }

        private void seen(Pod pod) {
            Instant now = Instant.now();
            Seen s = all.computeIfAbsent(
                    pod.getMetadata().getUid(),
                    uid -> new Seen(pod.getMetadata().getName(), uid, now));
            pods.putIfAbsent(s.uid, s);
            if (s.bound == null && pod.getSpec().getNodeName() != null) {
                s.bound = now;
            }
            if (s.ready == null && PodWatch.ready(pod)) {
                s.ready = now;
            }
            if (s.deleting == null && pod.getMetadata().getDeletionTimestamp() != null) {
                s.deleting = now;
            }
            signal();
        }

        private void signal() {
            synchronized (changed) {
                changed.notifyAll();
            }
        }

        /** Waits until {@code done} holds for the live pods; returns when the watch event that made it hold came. */
        Instant await(Predicate<Map<String, Seen>> done, Duration timeout, String what) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (changed) {
                while (!done.test(pods)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new AssertionError(what + " not done within " + timeout + ": " + pods.size() + " pods, "
                                + pods.values().stream()
                                        .filter(p -> p.ready != null)
                                        .count() + " Ready");
                    }
                    changed.wait(Math.min(50, Math.max(1, left / 1_000_000)));
                }
            }
            return Instant.now();
        }

        @Override
        public void close() {
            informer.close();
        }
    }
}
