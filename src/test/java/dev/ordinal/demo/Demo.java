package dev.ordinal.demo;

import dev.ordinal.sim.AdmissionChain;
import dev.ordinal.sim.Certs;
import dev.ordinal.sim.ClusterObserver;
import dev.ordinal.sim.KubeletSim;
import dev.ordinal.sim.PodTemplates;
import dev.ordinal.sim.ReplicaSetSim;
import dev.ordinal.sim.Requester;
import dev.ordinal.sim.SimApiServer;
import dev.ordinal.sim.SimulatedCluster;
import dev.ordinal.sim.Timeline;
import dev.ordinal.support.PackagedApp;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code make demo}: a simulated cluster (mock API server, ReplicaSet, scheduler and kubelet) around the real,
 * packaged Ordinal (webhook over HTTPS with certificates made at run time, controller with its Lease). It scales a
 * set to 3, kills a pod and watches it come back with its name and volume, scales down, re-creates web-0 from a
 * template asking for a larger volume and watches its claim grow, and prints a timeline and a {@code kubectl
 * get}-like table. It is a check, not a show: any failed expectation or invariant exits 1.
 */
public final class Demo {

    static final String NAMESPACE = "demo";
    static final String SET = "web";
    static final String REPLICASET = "web-6b7f9d4c8";
    static final Duration STEP_TIMEOUT = Duration.ofSeconds(40);
    static final Duration WHOLE_DEMO = Duration.ofSeconds(120);
    static final String STORAGE_CLASS = "standard";
    static final String GROW_PATCH = "[{\"op\":\"replace\",\"path\":"
            + "\"/spec/template/spec/volumes/0/ephemeral/volumeClaimTemplate/spec/resources/requests/storage\","
            + "\"value\":\"2Gi\"}]";

    // JUL keeps loggers weakly: hold the ones we quiet.
    private static final List<Logger> QUIETED = new ArrayList<>();

    private final Instant t0 = Instant.now();
    private final List<String> failures = new ArrayList<>();
    private final Map<String, String> lastRow = new HashMap<>();
    private Instant timelineStart;

    public static void main(String[] args) {
        // Quarkus' log manager is on the test classpath; it must be JUL's before anything logs.
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        quietLibraryLogs();
        Thread watchdog = new Thread(
                () -> {
                    try {
                        Thread.sleep(WHOLE_DEMO.toMillis());
                        System.out.println("\n✗ the demo did not finish within " + WHOLE_DEMO.toSeconds() + " s");
                        Runtime.getRuntime().halt(1);
                    } catch (InterruptedException e) {
                        // finished in time
                    }
                },
                "demo-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        int code;
        try {
            code = new Demo().run();
        } catch (Exception | AssertionError e) {
            System.out.println("\n✗ " + e.getMessage());
            code = 1;
        }
        System.exit(code);
    }

    int run() throws Exception {
        System.out.println("Ordinal demo: a simulated cluster around the real webhook and controller\n");
        Path work = Files.createTempDirectory("ordinal-demo-");
        Certs certs = Certs.generate(work.resolve("certs"));
        setup(
                "certificates",
                "CA and serving certificate for localhost/127.0.0.1 (openssl) in "
                        + certs.ca().getParent());
        try (SimApiServer api = SimApiServer.start()) {
            setup("API server", "fabric8 mock API server, CRUD mode, " + api.url());
            createStorageClass(api);
            setup(
                    "storage",
                    "StorageClass " + STORAGE_CLASS + " (the default: claims that name no class get it),"
                            + " allowVolumeExpansion: true");
            Path jar = PackagedApp.JAR;
            PackagedApp app = PackagedApp.start(
                    api.url(),
                    certs.cert().getParent(),
                    Map.of(
                            "ordinal.controller.enabled",
                            "true",
                            // the simulator calls the webhook inside its own request handling: no nested live list
                            "ordinal.admission.live-check",
                            "false",
                            "ordinal.controller.identity",
                            "ordinal-demo",
                            "ordinal.controller.lease-duration",
                            "4s",
                            "ordinal.controller.renew-deadline",
                            "3s",
                            "ordinal.controller.retry-period",
                            "500ms",
                            "ordinal.controller.resync-period",
                            "5s"),
                    List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m"),
                    work.resolve("ordinal.log"));
            try {
                setup("Ordinal", jar + " (pid " + app.pid() + ") starting…");
                Duration ready;
                try {
                    ready = app.awaitReady(Duration.ofSeconds(60));
                } catch (IllegalStateException e) {
                    throw new IllegalStateException(e.getMessage() + "; log:\n" + tail(work.resolve("ordinal.log")));
                }
                setup(
                        "Ordinal",
                        "webhook " + app.webhookUrl() + " (TLS verified against the demo CA), controller"
                                + " leader-elected on Lease ordinal-system/ordinal-controller; ready in "
                                + String.format("%.1fs", ready.toMillis() / 1000.0) + ", log "
                                + work.resolve("ordinal.log"));
                AdmissionChain chain = SimulatedCluster.ordinalChain(
                        api.client(), certs.ca(), List.of(URI.create(app.webhookUrl())), List.of(), List.of());
                KubeletSim.Timing timing = KubeletSim.Timing.demo();
                try (SimulatedCluster cluster = new SimulatedCluster(api.client(), chain, NAMESPACE, timing)) {
                    setup(
                            "node",
                            KubeletSim.NODE_NAME + ": scheduler, volume binder and kubelet; Running "
                                    + timing.startDelay().toMillis() + " ms after binding, Ready "
                                    + timing.readyDelay().toMillis() + " ms later");
                    scenario(cluster);
                    printTables(cluster);
                    List<String> violations = cluster.observer().violations();
                    check(
                            violations.isEmpty(),
                            "invariants held at every one of "
                                    + cluster.observer().steps().size() + " observed steps",
                            "invariants violated: " + violations);
                }
            } finally {
                app.close();
            }
        }
        System.out.println();
        String took = String.format("%.1fs", Duration.between(t0, Instant.now()).toMillis() / 1000.0);
        if (failures.isEmpty()) {
            System.out.println("✓ all checks passed (demo ran " + took + ")");
            return 0;
        }
        System.out.println("✗ " + failures.size() + " check(s) failed (demo ran " + took + "):");
        failures.forEach(f -> System.out.println("  - " + f));
        return 1;
    }

    private void scenario(SimulatedCluster cluster) {
        ClusterObserver observer = cluster.observer();
        timelineStart = Instant.now();
        observer.onStep(this::print);

        section(
                "1. kubectl scale replicaset " + REPLICASET + " --replicas=3",
                "pods labelled ordinal.dev/set=web, OrderedReady with scheduling gates, ephemeral volume \"data\"");
        System.out.println(Timeline.HEADER);
        ReplicaSetSim rs =
                cluster.replicaSet(REPLICASET, PodTemplates.member(SET, Map.of(), "pod-template-hash", "6b7f9d4c8"), 3);
        observer.await("web-0, web-1, web-2 Running and Ready", STEP_TIMEOUT, o -> o.readyExactly(SET, 3));
        check(
                observer.readyOrder().equals(List.of("web-0", "web-1", "web-2"))
                        && observer.maxStartingAtOnce(SET) == 1,
                "web-0, web-1, web-2 became Ready in order, one at a time",
                "ready order " + observer.readyOrder() + ", at most " + observer.maxStartingAtOnce(SET)
                        + " starting at once");
        check(
                observer.claims().keySet().equals(java.util.Set.of("data-web-0", "data-web-1", "data-web-2")),
                "each pod has its own claim data-web-<n>",
                "claims " + observer.claims().keySet());
        Service svc = observer.services().get(SET);
        check(
                svc != null && "None".equals(svc.getSpec().getClusterIP()),
                "headless Service web created",
                "no headless Service web");

        Pod old = observer.live(SET).get(1);
        String claimUid = observer.claims().get("data-web-1").getMetadata().getUid();
        section(
                "2. kubectl delete pod web-1",
                "the ReplicaSet replaces it; Ordinal gives the new pod the same identity");
        cluster.chain().delete(NAMESPACE, "web-1", null, null, Requester.ADMIN, false);
        observer.await("web-1 replaced and Ready", STEP_TIMEOUT, o -> {
            Pod now = o.live(SET).get(1);
            return now != null
                    && !now.getMetadata().getUid().equals(old.getMetadata().getUid())
                    && o.readyExactly(SET, 3);
        });
        Pod back = observer.live(SET).get(1);
        check(
                KubeletSim.claimNames(back).equals(List.of("data-web-1"))
                        && observer.claimUids("data-web-1").equals(List.of(claimUid))
                        && observer.claims().size() == 3,
                "web-1 is back (pod uid …" + tail6(old.getMetadata().getUid()) + " → …"
                        + tail6(back.getMetadata().getUid()) + ") with the same claim data-web-1 (uid …"
                        + tail6(claimUid) + "), no new PVC",
                "web-1 came back with claims " + KubeletSim.claimNames(back) + ", data-web-1 uids "
                        + observer.claimUids("data-web-1") + ", "
                        + observer.claims().size() + " PVCs");

        section(
                "3. kubectl scale replicaset " + REPLICASET + " --replicas=2",
                "pod-deletion-cost -n makes the ReplicaSet remove the highest ordinal first");
        rs.scale(2);
        observer.await(
                "web-2 gone",
                STEP_TIMEOUT,
                o -> o.readyExactly(SET, 2) && o.pods().size() == 2);
        check(
                observer.pods().keySet().equals(java.util.Set.of("web-0", "web-1"))
                        && observer.claims().containsKey("data-web-2"),
                "web-2 removed (highest ordinal first); its claim data-web-2 kept for a later scale-up",
                "pods " + observer.pods().keySet() + ", claims "
                        + observer.claims().keySet());

        Pod oldWeb0 = observer.live(SET).get(0);
        String claim0Uid = observer.claims().get("data-web-0").getMetadata().getUid();
        section(
                "4. kubectl patch replicaset " + REPLICASET + " --type=json -p '" + GROW_PATCH
                        + "'\n   kubectl delete pod web-0",
                "the volume template asks for 2Gi; the ReplicaSet re-creates web-0 from the new template, Ordinal"
                        + " names it web-0 again, and the controller raises data-web-0's request (StorageClass "
                        + STORAGE_CLASS + " allows expansion)");
        rs.patch(GROW_PATCH);
        cluster.chain().delete(NAMESPACE, "web-0", null, null, Requester.ADMIN, false);
        observer.await("web-0 re-created and Ready, data-web-0 grown to 2Gi", STEP_TIMEOUT, o -> {
            Pod now = o.live(SET).get(0);
            PersistentVolumeClaim claim = o.claims().get("data-web-0");
            return now != null
                    && !now.getMetadata().getUid().equals(oldWeb0.getMetadata().getUid())
                    && o.readyExactly(SET, 2)
                    && claim != null
                    && amount(capacity(claim), "2Gi")
                    && !o.events("web-0", "ClaimResized").isEmpty();
        });
        Pod newWeb0 = observer.live(SET).get(0);
        PersistentVolumeClaim grown = observer.claims().get("data-web-0");
        Quantity request = grown.getSpec().getResources().getRequests().get("storage");
        check(
                KubeletSim.claimNames(newWeb0).equals(List.of("data-web-0"))
                        && observer.claimUids("data-web-0").equals(List.of(claim0Uid))
                        && STORAGE_CLASS.equals(grown.getSpec().getStorageClassName())
                        && amount(request, "2Gi"),
                "web-0 is back (pod uid …" + tail6(oldWeb0.getMetadata().getUid()) + " → …"
                        + tail6(newWeb0.getMetadata().getUid()) + ", Ready) on the same claim data-web-0 (uid …"
                        + tail6(claim0Uid) + ", class " + grown.getSpec().getStorageClassName()
                        + "), whose request is now " + request + " (capacity "
                        + capacity(grown) + " once the volume was expanded)",
                "web-0 came back with claims " + KubeletSim.claimNames(newWeb0) + ", data-web-0 uids "
                        + observer.claimUids("data-web-0") + ", class "
                        + grown.getSpec().getStorageClassName() + ", request " + request);
        List<Event> resized = observer.events("web-0", "ClaimResized");
        check(
                resized.size() == 1 && "Normal".equals(resized.get(0).getType()),
                "one ClaimResized event on web-0: "
                        + (resized.isEmpty() ? "" : resized.get(0).getMessage()),
                "ClaimResized events on web-0: "
                        + resized.stream().map(Event::getMessage).toList());
        List<PersistentVolumeClaim> others = observer.claims().values().stream()
                .filter(c -> !c.getMetadata().getName().equals("data-web-0"))
                .filter(c -> !amount(c.getSpec().getResources().getRequests().get("storage"), "1Gi"))
                .toList();
        check(
                others.isEmpty(),
                "data-web-1 and data-web-2 keep 1Gi: only a member created from the larger template grows its claim",
                "other claims changed: "
                        + others.stream()
                                .map(c -> c.getMetadata().getName() + "="
                                        + c.getSpec()
                                                .getResources()
                                                .getRequests()
                                                .get("storage"))
                                .toList());
    }

    private static boolean amount(Quantity q, String want) {
        return q != null && q.getNumericalAmount().compareTo(new Quantity(want).getNumericalAmount()) == 0;
    }

    private static Quantity capacity(PersistentVolumeClaim claim) {
        return claim.getStatus() == null || claim.getStatus().getCapacity() == null
                ? null
                : claim.getStatus().getCapacity().get("storage");
    }

    private static void createStorageClass(SimApiServer api) {
        api.client()
                .storage()
                .v1()
                .storageClasses()
                .resource(new StorageClassBuilder()
                        .withNewMetadata()
                        .withName(STORAGE_CLASS)
                        .addToAnnotations("storageclass.kubernetes.io/is-default-class", "true")
                        .endMetadata()
                        .withProvisioner("sim.ordinal.dev/node-local")
                        .withVolumeBindingMode("WaitForFirstConsumer")
                        .withReclaimPolicy("Delete")
                        .withAllowVolumeExpansion(true)
                        .build())
                .create();
    }

    /** Prints a timeline row for every step that changes what a row shows (status writes often change nothing). */
    private synchronized void print(ClusterObserver.Step step) {
        String key = step.kind() + "/" + step.object().getMetadata().getName();
        String state = Timeline.state(step);
        if (step.kind() != ClusterObserver.Kind.EVENT && state.equals(lastRow.put(key, state))) {
            return;
        }
        System.out.println(Timeline.line(step, timelineStart));
    }

    private void printTables(SimulatedCluster cluster) {
        Instant now = Instant.now();
        System.out.println("\n$ kubectl get pods,pvc,svc -n " + NAMESPACE + " -L apps.kubernetes.io/pod-index");
        String podFormat = "%-16s %-6s %-10s %-9s %-6s %-11s %s%n";
        System.out.printf(podFormat, "NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE", "POD-INDEX");
        for (Pod p : byName(cluster.store().pods().inNamespace(NAMESPACE).list().getItems())) {
            System.out.printf(
                    podFormat,
                    "pod/" + p.getMetadata().getName(),
                    KubeletSim.isReady(p) ? "1/1" : "0/1",
                    Timeline.status(p),
                    "0",
                    age(p.getMetadata().getCreationTimestamp(), now),
                    p.getSpec().getNodeName() == null ? "<none>" : p.getSpec().getNodeName(),
                    p.getMetadata().getLabels().getOrDefault("apps.kubernetes.io/pod-index", ""));
        }
        System.out.println();
        String pvcFormat = "%-34s %-8s %-41s %-9s %-13s %s%n";
        System.out.printf(pvcFormat, "NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "AGE");
        for (PersistentVolumeClaim c : byName(cluster.store()
                .persistentVolumeClaims()
                .inNamespace(NAMESPACE)
                .list()
                .getItems())) {
            boolean bound =
                    c.getStatus() != null && "Bound".equals(c.getStatus().getPhase());
            System.out.printf(
                    pvcFormat,
                    "persistentvolumeclaim/" + c.getMetadata().getName(),
                    bound ? "Bound" : "Pending",
                    bound ? c.getSpec().getVolumeName() : "",
                    bound
                                    && c.getStatus().getCapacity() != null
                                    && c.getStatus().getCapacity().get("storage") != null
                            ? c.getStatus().getCapacity().get("storage").toString()
                            : "",
                    bound ? String.join(",", c.getSpec().getAccessModes()).replace("ReadWriteOnce", "RWO") : "",
                    age(c.getMetadata().getCreationTimestamp(), now));
        }
        System.out.println();
        String svcFormat = "%-16s %-10s %-11s %-12s %-10s %s%n";
        System.out.printf(svcFormat, "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE");
        for (Service s :
                byName(cluster.store().services().inNamespace(NAMESPACE).list().getItems())) {
            List<String> ports = new ArrayList<>();
            for (ServicePort p : s.getSpec().getPorts()) {
                ports.add(p.getPort() + "/" + p.getProtocol());
            }
            System.out.printf(
                    svcFormat,
                    "service/" + s.getMetadata().getName(),
                    s.getSpec().getType() == null ? "ClusterIP" : s.getSpec().getType(),
                    s.getSpec().getClusterIP(),
                    "<none>",
                    ports.isEmpty() ? "<none>" : String.join(",", ports),
                    age(s.getMetadata().getCreationTimestamp(), now));
        }
        System.out.println();
    }

    /** In name order, as the API server lists them (the mock lists in storage order). */
    private static <T extends HasMetadata> List<T> byName(List<T> items) {
        return items.stream()
                .sorted(Comparator.comparing((T o) -> o.getMetadata().getName()))
                .toList();
    }

    private void setup(String what, String detail) {
        System.out.printf(
                "  %-13s %s  [%.1fs]%n",
                what, detail, Duration.between(t0, Instant.now()).toMillis() / 1000.0);
    }

    private static void section(String command, String what) {
        System.out.println("\n▶ " + command + "\n  (" + what + ")");
    }

    private void check(boolean ok, String success, String failure) {
        if (ok) {
            System.out.println("  ✓ " + success);
        } else {
            System.out.println("  ✗ " + failure);
            failures.add(failure);
        }
    }

    private static String age(String created, Instant now) {
        try {
            return Duration.between(Instant.parse(created), now).toSeconds() + "s";
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private static String tail6(String uid) {
        return uid.substring(Math.max(0, uid.length() - 6));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void quietLibraryLogs() {
        for (String name : List.of("io.fabric8", "io.fabric8.mockwebserver", "okhttp3", "io.vertx", "io.netty")) {
            Logger logger = Logger.getLogger(name);
            logger.setLevel(Level.WARNING);
            QUIETED.add(logger);
        }
    }
}
