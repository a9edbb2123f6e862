package dev.ordinal.realcluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The real control-plane binaries (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl), built
 * from the Go modules pinned in {@code src/test/kube} by its {@code build.sh} into a per-machine cache. Never skips:
 * when they cannot be built, the suite fails with the build's own output.
 */
final class KubeBinaries {

    static final Path BUILD_SCRIPT = Path.of("src/test/kube/build.sh");

    private KubeBinaries() {}

    /** The directory holding the five binaries, building them first if this machine has not yet. */
    static Path ensureBuilt(Path logDir) throws IOException, InterruptedException {
        Path log = logDir.resolve("kube-build.log");
        Process p = new ProcessBuilder("bash", BUILD_SCRIPT.toString())
                .redirectError(log.toFile())
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        int code = p.waitFor();
        if (code != 0 || out.isEmpty()) {
            List<String> lines = Files.readAllLines(log);
            throw new IllegalStateException("the real control plane could not be built (" + BUILD_SCRIPT + " exited "
                    + code + "); the real-cluster suite cannot run without it. Last lines of " + log + ":\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
        }
        Path dir = Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
        for (String binary :
                List.of("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")) {
            if (!Files.isExecutable(dir.resolve(binary))) {
                throw new IllegalStateException(dir.resolve(binary) + " is missing after " + BUILD_SCRIPT + "; delete "
                        + dir + " and run the script again");
            }
        }
        return dir;
    }
}
