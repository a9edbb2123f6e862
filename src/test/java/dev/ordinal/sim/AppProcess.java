package dev.ordinal.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One instance of the packaged app ({@code target/quarkus-app/quarkus-run.jar}) as a child process: HTTPS webhook
 * and plain-HTTP management on free ports of 127.0.0.1, pointed at a simulated API server, output in a log file.
 * Closing it stops the process (SIGTERM, then SIGKILL after 15 s).
 */
public final class AppProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final int httpsPort;
    private final int managementPort;
    private final Path log;

    private AppProcess(String name, Process process, int httpsPort, int managementPort, Path log) {
        this.name = name;
        this.process = process;
        this.httpsPort = httpsPort;
        this.managementPort = managementPort;
        this.log = log;
    }

    /** The packaged app of this project; fails with a hint when it has not been built. */
    public static Path packagedJar() {
        Path jar = Path.of(System.getProperty("user.dir"), "target", "quarkus-app", "quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run `mvn -DskipTests package` first");
        }
        return jar;
    }

    /**
     * Starts instance {@code name} of {@code jar}, talking to {@code apiServerUrl}, serving {@code cert}/{@code key},
     * with {@code properties} as extra system properties (e.g. {@code ordinal.controller.enabled}).
     */
    public static AppProcess start(String name, Path jar, String apiServerUrl, Path cert, Path key,
            Map<String, String> properties, Path logDir) {
        int https = freePort();
        int management = freePort();
        Map<String, String> props = new TreeMap<>();
        props.put("quarkus.http.host", "127.0.0.1");
        props.put("quarkus.http.ssl-port", Integer.toString(https));
        props.put("quarkus.management.host", "127.0.0.1");
        props.put("quarkus.management.port", Integer.toString(management));
        props.put("quarkus.kubernetes-client.api-server-url", apiServerUrl);
        props.put("quarkus.kubernetes-client.namespace", "ordinal-system");
        props.put("quarkus.tls.webhook.key-store.pem.0.cert", cert.toAbsolutePath().toString());
        props.put("quarkus.tls.webhook.key-store.pem.0.key", key.toAbsolutePath().toString());
        props.put("quarkus.log.console.json.enabled", "false");
        props.put("ordinal.controller.identity", name);
        props.putAll(properties);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Start-up speed over peak speed: the instance lives for seconds, on a shared 2-core machine.
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m"));
        props.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", jar.toString()));
        try {
            Files.createDirectories(logDir);
            Path log = logDir.resolve(name + ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().put("POD_NAMESPACE", "ordinal-system");
            builder.environment().put("POD_NAME", name);
            Process process = builder.start();
            AppProcess app = new AppProcess(name, process, https, management, log);
            Runtime.getRuntime().addShutdownHook(new Thread(app::kill));
            return app;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until {@code /q/health/ready} answers 200 (the caches have synced); fails with the log's tail. */
    public AppProcess awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        URI ready = URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready");
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; log:\n" + logTail(40));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return this;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
            AdmissionChain.pause(Duration.ofMillis(200));
        }
        throw new IllegalStateException(name + " not ready after " + timeout + "; log:\n" + logTail(40));
    }

    /** The webhook base URI, e.g. {@code https://localhost:41234}. */
    public URI webhook() {
        return URI.create("https://localhost:" + httpsPort);
    }

    /** The management base URI (health, metrics). */
    public URI management() {
        return URI.create("http://127.0.0.1:" + managementPort);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** The last {@code lines} lines of the instance's log. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops the instance (SIGTERM, SIGKILL after 15 s). */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
    }

    /** Kills the instance at once, as a crashed pod. */
    public void kill() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A port that was free a moment ago (the usual small race; start-up fails loudly if it was taken). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
