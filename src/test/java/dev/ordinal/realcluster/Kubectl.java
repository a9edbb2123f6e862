package dev.ordinal.realcluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The real kubectl, built with the control plane, run as a user would (a kubeconfig, YAML on stdin). */
final class Kubectl {

    /** What one kubectl run printed; {@code stderr} carries the API server's warnings ("Warning: ..."). */
    record Result(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }

        /** stdout, or a failure that shows what kubectl said. */
        String orFail() {
            if (!ok()) {
                throw new AssertionError("kubectl exited " + exitCode + ":\n" + stderr + stdout);
            }
            return stdout;
        }
    }

    private final Path binary;
    private final Path kubeconfig;

    Kubectl(Path binary, Path kubeconfig) {
        this.binary = binary;
        this.kubeconfig = kubeconfig;
    }

    Result run(String... args) throws IOException, InterruptedException {
        return runWithInput(null, args);
    }

    /** {@code kubectl args...} with {@code stdin} (for {@code -f -}), given 60 s. */
    Result runWithInput(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.add("--kubeconfig=" + kubeconfig);
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish within 60 s");
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    /** {@code kubectl apply -f -} of {@code yaml} in {@code namespace}; fails the test if kubectl does. */
    String apply(String namespace, String yaml) throws IOException, InterruptedException {
        return runWithInput(yaml, "-n", namespace, "apply", "-f", "-").orFail();
    }

    private static String read(java.io.InputStream stream) {
        try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
