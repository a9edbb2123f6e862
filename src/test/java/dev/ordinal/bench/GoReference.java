package dev.ordinal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ordinal.admission.PatchDiffAccess;
import dev.ordinal.identity.CacheHealth;
import dev.ordinal.identity.CreateRules;
import dev.ordinal.identity.Decision;
import dev.ordinal.identity.Member;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.identity.Ordinals;
import dev.ordinal.identity.ServiceFacts;
import dev.ordinal.identity.SetSnapshot;
import dev.ordinal.identity.SetView;
import dev.ordinal.support.PackagedApp;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The stdlib Go webhook of {@code src/test/bench/go-webhook} (issue 14's "side by side with a stdlib Go webhook doing
 * the same identity mutation"): built with the machine's {@code go}, started on 127.0.0.1 with the benchmark's
 * certificate and sets, and checked to patch the benchmark's pods into what Ordinal's rules make of them before its
 * numbers are taken.
 */
final class GoReference implements AutoCloseable {

    static final Path SOURCE = Path.of("src/test/bench/go-webhook");
    static final Path BINARY = Bench.OUT.resolve("go-webhook");

    private final Process process;
    private final int port;
    private final long startedNanos = System.nanoTime();

    private GoReference(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** {@code go build} into target/bench; fails, saying why, when Go is missing or the build fails. */
    static Path build(Path log) throws IOException, InterruptedException {
        Files.createDirectories(BINARY.getParent());
        Process go;
        try {
            go = new ProcessBuilder("go", "build", "-o", BINARY.toAbsolutePath().toString(), ".")
                    .directory(SOURCE.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "the Go reference webhook needs Go (`go` on the PATH) to build " + SOURCE
                            + "; leave it out with -Dbench.modes=native,jvm",
                    e);
        }
        if (go.waitFor() != 0) {
            throw new IllegalStateException("go build of " + SOURCE + " failed:\n" + Files.readString(log));
        }
        return BINARY;
    }

    /** Starts the binary on a free port; {@code readyPods} by namespace: the set "web" there has pods 0..n-1 Ready. */
    static GoReference start(Path binary, Path certs, Map<String, Integer> readyPods, Path log) throws IOException {
        int port = PackagedApp.freePort();
        List<String> command = new ArrayList<>(List.of(
                binary.toAbsolutePath().toString(),
                "-addr",
                "127.0.0.1:" + port,
                "-cert",
                certs.resolve("tls.crt").toString(),
                "-key",
                certs.resolve("tls.key").toString()));
        readyPods.forEach((namespace, n) -> command.addAll(List.of("-set", namespace + "/web=" + n)));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new GoReference(process, port);
    }

    /** Time from the start until the port accepts connections. */
    Duration awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Go reference webhook exited with " + process.exitValue());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return Duration.ofNanos(System.nanoTime() - startedNanos);
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("the Go reference webhook did not listen within " + timeout);
    }

    String url() {
        return "https://127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }

    /**
     * Fails unless {@code answer}, the reference's answer to {@code review} for a set of {@code readyPods} Ready pods,
     * patches the pod into what Ordinal's rules make of it for the ordinal the reference chose: the pod with Ordinal's
     * own patch ({@code PatchDiff}) applied, with the claim-templates annotation compared as JSON (Jackson and Go
     * order an object's fields differently). The ordinal must be at least {@code readyPods}: the lower ones are taken.
     */
    static void verify(ObjectMapper mapper, ObjectNode review, JsonNode answer, int readyPods) throws IOException {
        JsonNode object = review.path("request").path("object");
        JsonNode response = answer.path("response");
        if (!response.path("allowed").asBoolean()
                || !"JSONPatch".equals(response.path("patchType").asText())) {
            throw new IllegalStateException("the Go reference did not admit with a patch: " + answer);
        }
        JsonNode goPatch = mapper.readTree(
                Base64.getDecoder().decode(response.path("patch").asText()));
        JsonNode byGo = JsonPatch.apply(goPatch, object);
        String name = byGo.path("metadata").path("name").asText();
        int n = Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
        if (n < readyPods) {
            throw new IllegalStateException("the Go reference gave ordinal " + n + ", held by a Ready pod");
        }
        Pod pod = mapper.treeToValue(object, Pod.class);
        CreateRules.Prepared.Member member = (CreateRules.Prepared.Member) CreateRules.prepare(pod);
        List<Member> ready = IntStream.range(0, readyPods)
                .mapToObj(k -> Member.of(Bench.cachedPod(k), "web"))
                .toList();
        SetView view = new SetView(
                SetSnapshot.of(review.path("request").path("namespace").asText(), "web", ready),
                Set.of(),
                ServiceFacts.MISSING,
                new CacheHealth(List.of(), new CacheHealth.Staleness(Duration.ZERO, Map.of()), Duration.ZERO));
        Decision decision = CreateRules.mutate(pod, member, new Ordinals.Assignment.Assigned(n), view);
        if (!(decision instanceof Decision.Allow allow)) {
            throw new IllegalStateException("Ordinal's rules do not admit the benchmark's pod: " + decision);
        }
        // As the bytes Ordinal sends: its patch holds model values (POJO nodes) until it is written.
        JsonNode ordinalPatch =
                mapper.readTree(mapper.writeValueAsBytes(PatchDiffAccess.owned(mapper, pod, allow.mutated())));
        JsonNode byOrdinal = JsonPatch.apply(ordinalPatch, object);
        if (!comparable(mapper, byGo).equals(comparable(mapper, byOrdinal))) {
            throw new IllegalStateException("the Go reference's patch makes\n" + byGo + "\nbut Ordinal's makes\n"
                    + byOrdinal + "\nso their numbers would not compare the same work");
        }
    }

    /** {@code pod} with its claim-templates annotation parsed into JSON. */
    private static JsonNode comparable(ObjectMapper mapper, JsonNode pod) throws IOException {
        JsonNode copy = pod.deepCopy();
        JsonNode annotations = copy.path("metadata").path("annotations");
        JsonNode templates = annotations.get(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION);
        if (templates instanceof TextNode text) {
            ((ObjectNode) annotations).set(OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION, mapper.readTree(text.asText()));
        }
        return copy;
    }
}
