package dev.ordinal.support;

import dev.ordinal.config.OutOfMemoryExit;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged application ({@code target/quarkus-app/quarkus-run.jar}, or the native executable when
 * {@code ordinal.packaged=native}) as a child process, for the demo, the benchmark and multi-instance tests: what a
 * user runs, not a test harness.
 */
public final class PackagedApp implements AutoCloseable {

    public static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");

    /**
     * The JVM options the container image uses (JAVA_OPTS in src/main/docker/Dockerfile.jvm; deploy/'s memory request
     * and limit are set from what the benchmark measures with them): a fixed heap instead of ergonomics sized from this
     * machine's 24 GiB.
     */
    public static final String IMAGE_JVM_OPTIONS =
            "-Xmx160m -XX:+UseSerialGC -Xss512k -XX:ReservedCodeCacheSize=48m -XX:+ExitOnOutOfMemoryError";

    /**
     * The native executable's heap option, as src/main/docker/Dockerfile.native's ENTRYPOINT passes it (checked by
     * BaseManifestsTest). 224 MiB until the twelfth pass of issue 14: with the first list in pages the executable
     * starts on 11,010 realistic pods at less, and 192 MiB keeps its resident memory after the benchmark under 200 MiB.
     */
    public static final String IMAGE_NATIVE_OPTIONS = "-Xmx192m";

    private final Process process;
    private final int httpsPort;
    private final int managementPort;
    private final long startedNanos = System.nanoTime();

    private PackagedApp(Process process, int httpsPort, int managementPort) {
        this.process = process;
        this.httpsPort = httpsPort;
        this.managementPort = managementPort;
    }

    /**
     * Starts the jar pointed at {@code apiServerUrl}, serving TLS from {@code certDir}/tls.crt and tls.key, with extra
     * system properties {@code properties}, its output going to {@code log}.
     */
    public static PackagedApp start(
            String apiServerUrl, Path certDir, Map<String, String> properties, List<String> jvmOptions, Path log)
            throws IOException {
        List<String> client = List.of(
                "-Dquarkus.kubernetes-client.api-server-url=" + apiServerUrl,
                "-Dquarkus.kubernetes-client.trust-certs=true",
                "-Dquarkus.kubernetes-client.namespace=default");
        return launch(client, Map.of(), certDir, properties, jvmOptions, log, nativeRunner());
    }

    /**
     * As {@link #start(String, Path, Map, List, Path)}, but the native executable {@code nativeRunner} when it is not
     * null, else the jar, whatever {@code ordinal.packaged} says: for the benchmark, which measures both in one run.
     */
    public static PackagedApp start(
            String apiServerUrl,
            Path certDir,
            Map<String, String> properties,
            List<String> jvmOptions,
            Path log,
            Path nativeRunner)
            throws IOException {
        List<String> client = List.of(
                "-Dquarkus.kubernetes-client.api-server-url=" + apiServerUrl,
                "-Dquarkus.kubernetes-client.trust-certs=true",
                "-Dquarkus.kubernetes-client.namespace=default");
        return launch(client, Map.of(), certDir, properties, jvmOptions, log, nativeRunner);
    }

    /**
     * Starts the packaged app as a user runs it outside a cluster: its API server, credentials and CA come from
     * {@code kubeconfig} ({@code KUBECONFIG}), its settings from {@code environment} (e.g. {@code POD_NAMESPACE},
     * {@code ORDINAL_*}), TLS from {@code certDir}, and its heap and collector from the image ({@link #imageOptions}).
     */
    public static PackagedApp startWithKubeconfig(
            Path kubeconfig, Path certDir, Map<String, String> environment, Path log) throws IOException {
        return startWithKubeconfig(kubeconfig, certDir, environment, imageOptions(), log, nativeRunner());
    }

    /**
     * As {@link #startWithKubeconfig(Path, Path, Map, Path)}, with {@code jvmOptions} (the heap, for instance), and the
     * native executable {@code nativeRunner} when it is not null, else the jar: for a benchmark that measures both.
     */
    public static PackagedApp startWithKubeconfig(
            Path kubeconfig,
            Path certDir,
            Map<String, String> environment,
            List<String> jvmOptions,
            Path log,
            Path nativeRunner)
            throws IOException {
        Map<String, String> env = new java.util.HashMap<>(environment);
        env.put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
        return launch(List.of(), env, certDir, Map.of(), jvmOptions, log, nativeRunner);
    }

    /** The options the container image runs the build under test with: the JVM's or the native executable's. */
    public static List<String> imageOptions() {
        return imageOptions(nativeRunner());
    }

    /** The image's options for the jar ({@code nativeRunner} null) or the native executable. */
    public static List<String> imageOptions(Path nativeRunner) {
        return List.of((nativeRunner == null ? IMAGE_JVM_OPTIONS : IMAGE_NATIVE_OPTIONS).split(" "));
    }

    private static PackagedApp launch(
            List<String> clientOptions,
            Map<String, String> environment,
            Path certDir,
            Map<String, String> properties,
            List<String> jvmOptions,
            Path log,
            Path nativeRunner)
            throws IOException {
        if (nativeRunner == null && !Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run `mvn -DskipTests package` first");
        }
        int https = freePort();
        int management = freePort();
        List<String> command = new ArrayList<>();
        if (nativeRunner != null) {
            command.add(nativeRunner.toAbsolutePath().toString());
            // The native runner takes the heap options and SubstrateVM's own -XX: options (e.g.
            // MaximumYoungGenerationSizePercent); HotSpot's JIT and GC selection flags mean nothing to it.
            jvmOptions.stream()
                    .filter(o -> o.startsWith("-Xmx")
                            || o.startsWith("-Xms")
                            || o.startsWith("-Xmn")
                            || o.startsWith("-D")
                            || o.startsWith("-XX:MaximumYoungGenerationSizePercent")
                            || o.startsWith("-XX:+PrintGC")
                            || o.startsWith("-XX:+VerboseGC"))
                    .forEach(command::add);
        } else {
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
        }
        command.add("-Dquarkus.http.ssl-port=" + https);
        command.add("-Dquarkus.http.host=127.0.0.1");
        command.add("-Dquarkus.management.port=" + management);
        command.add("-Dquarkus.management.host=127.0.0.1");
        command.addAll(clientOptions);
        command.add("-Dquarkus.tls.webhook.key-store.pem.0.cert="
                + certDir.resolve("tls.crt").toAbsolutePath());
        command.add("-Dquarkus.tls.webhook.key-store.pem.0.key="
                + certDir.resolve("tls.key").toAbsolutePath());
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        if (nativeRunner == null) {
            command.add("-jar");
            command.add(JAR.toString());
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment().putAll(environment);
        return new PackagedApp(builder.start(), https, management);
    }

    /**
     * Runs the packaged application with exactly {@code options} (system properties; no TLS or client defaults) and
     * {@code environment} added, and returns its output lines once it has exited; null when it still runs after
     * {@code timeout} (it is then killed). For start-up failures, as a new user meets them.
     */
    public static Exit runUntilExit(List<String> options, Map<String, String> environment, Duration timeout, Path log)
            throws IOException, InterruptedException {
        Path nativeRunner = nativeRunner();
        List<String> command = new ArrayList<>();
        command.add(
                nativeRunner != null
                        ? nativeRunner.toAbsolutePath().toString()
                        : Path.of(System.getProperty("java.home"), "bin", "java")
                                .toString());
        command.add("-Dquarkus.http.ssl-port=" + freePort());
        command.add("-Dquarkus.http.host=127.0.0.1");
        command.add("-Dquarkus.management.port=" + freePort());
        command.add("-Dquarkus.management.host=127.0.0.1");
        command.addAll(options);
        if (nativeRunner == null) {
            command.add("-jar");
            command.add(JAR.toString());
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment().remove("KUBECONFIG");
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS);
            return null;
        }
        return new Exit(process.exitValue(), Files.readAllLines(log));
    }

    /** How a process ended: its exit status and every line it printed (stdout and stderr). */
    public record Exit(int status, List<String> lines) {}

    /**
     * The native executable when the tests run against it ({@code ordinal.packaged=native}, set by failsafe in a
     * {@code -Dnative} build, or by the caller), else null: the JVM jar. A native run without a runner is an error,
     * never a silent fall-back to the jar.
     */
    public static Path nativeRunner() {
        return "native".equals(System.getProperty("ordinal.packaged")) ? builtNativeRunner() : null;
    }

    /**
     * The built native executable ({@code native.image.path}, by default target/ordinal-0.1.0-SNAPSHOT-runner),
     * whatever {@code ordinal.packaged} says: for a benchmark that measures both builds. Missing, it is an error that
     * says how to build it.
     */
    public static Path builtNativeRunner() {
        Path runner = Path.of(System.getProperty("native.image.path", "target/ordinal-0.1.0-SNAPSHOT-runner"));
        if (!Files.isExecutable(runner)) {
            throw new IllegalStateException(runner + " is missing: build it with `make native`");
        }
        return runner;
    }

    /** Polls {@code /q/health/ready} until it answers 200; returns the time from start to ready. */
    public Duration awaitReady(Duration timeout) throws InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the application exited with code " + process.exitValue());
            }
            try {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return Duration.ofNanos(System.nanoTime() - startedNanos);
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the application was not ready within " + timeout);
    }

    /**
     * Waits until Quarkus logs "started in" to {@code log} (the app's output): started, whether or not its API server
     * can be reached, which {@link #awaitReady} needs. Fails with the output if the app exits or the time runs out.
     */
    public void awaitStarted(Path log, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (Files.readAllLines(log).stream().noneMatch(l -> l.contains("started in"))) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "the application exited with code " + process.exitValue() + ": " + Files.readAllLines(log));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the application did not start within " + timeout + ": " + Files.readAllLines(log));
            }
            Thread.sleep(100);
        }
    }

    /** Resident set size of the process in KiB, from /proc (Linux). */
    public long rssKiB() throws IOException {
        return rssKiBOf(process.pid());
    }

    /** Resident set size of process {@code pid} in KiB, from /proc (Linux). */
    public static long rssKiBOf(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** CPU time the process has used so far (user + system, all threads), from /proc (Linux, 100 Hz ticks). */
    public long cpuNanos() throws IOException {
        return cpuNanosOf(process.pid());
    }

    /** CPU time process {@code pid} has used so far (user + system, all threads), from /proc (Linux). */
    public static long cpuNanosOf(long pid) throws IOException {
        return cpuNanosOf(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    /** User + system CPU time in a /proc stat line of a process or thread (100 Hz ticks). */
    private static long cpuNanosOf(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields 14 and 15 of stat(5), counted after "pid (comm) ": utime, stime
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    }

    /**
     * CPU time the process's live JIT compiler threads have used so far ({@code C1/C2 CompilerThread*}, from
     * /proc/&lt;pid&gt;/task; zero for the native executable, which has none). A lower bound: a compiler thread the
     * JVM stopped (it adds and retires them with the load) takes its time with it.
     */
    public long compilerCpuNanos() throws IOException {
        return compilerCpuNanosOf(process.pid());
    }

    /** As {@link #compilerCpuNanos()} for process {@code pid} (zero for a process that is not a JVM). */
    public static long compilerCpuNanosOf(long pid) throws IOException {
        long sum = 0;
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (var threads = Files.list(tasks)) {
            for (Path task : threads.toList()) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException gone) {
                    continue; // the thread ended since the listing
                }
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                    sum += cpuNanosOf(stat);
                }
            }
        }
        return sum;
    }

    public int httpsPort() {
        return httpsPort;
    }

    public int managementPort() {
        return managementPort;
    }

    public String webhookUrl() {
        return "https://127.0.0.1:" + httpsPort;
    }

    /** Ends the process with SIGKILL, as a crash or an OOM kill does: no shutdown hook, no Lease release. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit status once the process ended by itself within {@code timeout}; empty while it still runs. */
    public java.util.OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                ? java.util.OptionalInt.of(process.exitValue())
                : java.util.OptionalInt.empty();
    }

    /**
     * Why a start that {@link #awaitReady} gave up on did not become ready: "out of heap (exit 3)" when the process
     * ended with {@link OutOfMemoryExit#EXIT_CODE} within a second, else {@code notReady}'s message.
     */
    public String whyNotReady(IllegalStateException notReady) throws InterruptedException {
        java.util.OptionalInt exit = awaitExit(Duration.ofSeconds(1));
        return exit.isPresent() && exit.getAsInt() == OutOfMemoryExit.EXIT_CODE
                ? "out of heap (exit " + OutOfMemoryExit.EXIT_CODE + ")"
                : notReady.getMessage();
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /** A TCP port free on 127.0.0.1 now. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
