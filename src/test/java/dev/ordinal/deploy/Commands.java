package dev.ordinal.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Runs external tools (kubectl, bash, openssl) for the manifest tests, with a timeout. */
final class Commands {

    /** What a finished command printed, and how it exited. */
    record Result(List<String> command, int exitCode, String stdout, String stderr) {
        boolean succeeded() {
            return exitCode == 0;
        }

        /** Returns stdout, or fails with the command, exit code and stderr. */
        String stdoutOrFail() {
            if (!succeeded()) {
                throw new AssertionError(String.join(" ", command) + " exited " + exitCode + ":\n" + stderr);
            }
            return stdout;
        }
    }

    private static final Map<String, Boolean> AVAILABLE = new ConcurrentHashMap<>();

    private Commands() {}

    /** Runs {@code command} in {@code dir} with {@code env} added to this process's environment. */
    static Result run(Path dir, Map<String, String> env, List<String> command) {
        try {
            Path stdout = Files.createTempFile("ordinal-cmd", ".out");
            Path stderr = Files.createTempFile("ordinal-cmd", ".err");
            try {
                ProcessBuilder builder = new ProcessBuilder(command)
                        .directory(dir.toFile())
                        .redirectOutput(stdout.toFile())
                        .redirectError(stderr.toFile());
                builder.environment().putAll(env);
                Process process = builder.start();
                if (!process.waitFor(120, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " did not finish in 120s");
                }
                return new Result(
                        command,
                        process.exitValue(),
                        Files.readString(stdout, StandardCharsets.UTF_8),
                        Files.readString(stderr, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(stdout);
                Files.deleteIfExists(stderr);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + String.join(" ", command), e);
        }
    }

    /** Whether {@code probe} (e.g. {@code kubectl version --client}) starts and exits 0; remembered per tool. */
    static boolean available(String... probe) {
        return AVAILABLE.computeIfAbsent(String.join(" ", probe), key -> {
            try {
                Process process = new ProcessBuilder(probe)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }
}
