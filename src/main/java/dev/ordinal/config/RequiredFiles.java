package dev.ordinal.config;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files Ordinal cannot start without, checked before anything opens them: the webhook's PEM certificate and key,
 * and the kubeconfig when {@code KUBECONFIG} names one. A missing or unreadable one is reported in one line naming the
 * file, the setting that points at it and how to create it; otherwise Quarkus ends with a long stack trace for the TLS
 * files, and fabric8 silently falls back to the in-cluster API server for a kubeconfig it cannot read.
 */
public final class RequiredFiles {

    public static final String CERT_SETTING = "quarkus.tls.webhook.key-store.pem.0.cert";
    public static final String KEY_SETTING = "quarkus.tls.webhook.key-store.pem.0.key";

    private RequiredFiles() {}

    /**
     * The first problem with the files, as the one line the process ends with; empty when all can be read.
     * {@code kubeconfig} is the value of {@code KUBECONFIG} (a path list), null when unset.
     */
    public static Optional<String> problem(String cert, String key, String kubeconfig) {
        List<String> problems = new ArrayList<>();
        check(
                        cert,
                        "TLS certificate",
                        CERT_SETTING + " (env ORDINAL_TLS_CERT)",
                        "`make certs` writes certs/out/tls.crt; start with ORDINAL_TLS_CERT=certs/out/tls.crt",
                        true)
                .ifPresent(problems::add);
        check(
                        key,
                        "TLS private key",
                        KEY_SETTING + " (env ORDINAL_TLS_KEY)",
                        "`make certs` writes certs/out/tls.key; start with ORDINAL_TLS_KEY=certs/out/tls.key",
                        true)
                .ifPresent(problems::add);
        if (kubeconfig != null && !kubeconfig.isBlank()) {
            for (String file : kubeconfig.split(File.pathSeparator)) {
                if (!file.isBlank()) {
                    check(
                                    file,
                                    "kubeconfig",
                                    "env KUBECONFIG",
                                    "create it as docs/deploy.md shows "
                                            + "(\"Running Ordinal outside the cluster\"), or unset KUBECONFIG inside a cluster")
                            .ifPresent(problems::add);
                }
            }
        }
        return problems.stream().findFirst();
    }

    private static Optional<String> check(String file, String what, String setting, String fix) {
        return check(file, what, setting, fix, false);
    }

    private static Optional<String> check(String file, String what, String setting, String fix, boolean pem) {
        if (file == null || file.isBlank()) {
            return Optional.of(String.format("Ordinal cannot start: no %s file is set (%s); %s", what, setting, fix));
        }
        Path path = Path.of(file);
        String state;
        if (!Files.exists(path)) {
            state = "does not exist";
        } else if (Files.isDirectory(path)) {
            state = "is a directory";
        } else if (!Files.isReadable(path)) {
            state = "cannot be read by this user";
        } else if (pem && !holdsPem(path)) {
            state = "holds no PEM block (-----BEGIN ...)";
        } else {
            return Optional.empty();
        }
        return Optional.of(String.format(
                "Ordinal cannot start: the %s file %s %s (%s); %s", what, path.toAbsolutePath(), state, setting, fix));
    }

    private static boolean holdsPem(Path path) {
        try {
            return new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1).contains("-----BEGIN ");
        } catch (IOException e) {
            return false;
        }
    }
}
