package dev.ordinal.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ordinal.admission.PatchDiffAccess;
import dev.ordinal.identity.CreateRules;
import dev.ordinal.identity.Decision;
import dev.ordinal.identity.PodIdentity;
import dev.ordinal.identity.SetSnapshot;
import dev.ordinal.support.AdmissionClient;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * CPU time per review of the mutate path's in-process steps (JIT-warm, one thread), measured with the thread's CPU
 * clock so that other processes on a busy machine do not count: decode, the rule, and the patch by whole-pod diff
 * against the patch from the owned fields ({@code PatchDiff}). {@code -Dcost.iterations=200000}.
 */
public final class MutateCost {

    private MutateCost() {}

    public static void main(String[] args) throws Exception {
        int iterations = Integer.getInteger("cost.iterations", 200_000);
        ObjectMapper mapper = AdmissionClient.MAPPER;
        for (String name : new String[] {"generateName", "with volume"}) {
            Pod pod = name.equals("generateName")
                    ? PodFixtures.member("web").build()
                    : PodFixtures.member("web").ephemeralVolume("data").build();
            byte[] json = mapper.writeValueAsBytes(pod);
            CreateRules.Prepared.Member member = (CreateRules.Prepared.Member) CreateRules.prepare(pod);
            SetSnapshot snapshot = SetSnapshot.empty("bench", "web");
            Supplier<Pod> mutated =
                    () -> ((Decision.Allow) PodIdentity.mutate(pod, member, 0, snapshot, c -> false)).mutated();
            Pod after = mutated.get();
            double decode = cost(iterations, () -> mapper.treeToValue(mapper.readTree(json), Pod.class));
            double rule = cost(iterations, mutated::get);
            // Both written to bytes as the answer is: the owned-field patch leaves its model values to that step.
            double whole = cost(iterations, () -> mapper.writeValueAsBytes(PatchDiffAccess.whole(mapper, pod, after)));
            double owned = cost(iterations, () -> mapper.writeValueAsBytes(PatchDiffAccess.owned(mapper, pod, after)));
            System.out.printf(
                    Locale.ROOT,
                    "mutate %-13s decode %5.1f µs  rule (copy+edit) %5.1f µs  patch as bytes: whole-pod"
                            + " diff %5.1f µs, owned fields %5.1f µs%n",
                    name,
                    decode,
                    rule,
                    whole,
                    owned);
        }
    }

    interface Step {
        Object run() throws Exception;
    }

    /** Mean thread CPU µs of {@code step} over {@code n} runs, after as many warm-up runs. */
    static double cost(int n, Step step) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Object sink = null;
        for (int i = 0; i < n; i++) {
            sink = step.run();
        }
        long start = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            sink = step.run();
        }
        long took = threads.getCurrentThreadCpuTime() - start;
        if (sink == null) {
            throw new IllegalStateException("no result");
        }
        return took / 1000.0 / n;
    }
}
