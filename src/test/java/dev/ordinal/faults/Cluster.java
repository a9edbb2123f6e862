package dev.ordinal.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.identity.Member;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.identity.PodNames;
import dev.ordinal.support.OrderedStartOracle;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/** What the fault tests read and write in the mock API server, as users and kubelet would, plus the invariants. */
final class Cluster {

    private final KubernetesClient client;

    Cluster(KubernetesClient client) {
        this.client = client;
    }

    static String namespace() {
        return "ns-" + UUID.randomUUID().toString().substring(0, 8);
    }

    KubernetesClient client() {
        return client;
    }

    Pod create(String ns, Pod pod) {
        pod.getMetadata().setNamespace(ns);
        return client.pods().inNamespace(ns).resource(pod).create();
    }

    List<Pod> pods(String ns, String set) {
        return client.pods()
                .inNamespace(ns)
                .withLabel(OrdinalKeys.SET_LABEL, set)
                .list()
                .getItems();
    }

    Pod pod(String ns, String name) {
        return client.pods().inNamespace(ns).withName(name).get();
    }

    static List<String> gates(Pod pod) {
        return pod.getSpec().getSchedulingGates() == null
                ? List.of()
                : pod.getSpec().getSchedulingGates().stream()
                        .map(PodSchedulingGate::getName)
                        .toList();
    }

    /**
     * Kubelet's part, once: every pod of {@code set} that has no scheduling gate left and is not Ready becomes
     * Running and Ready. Returns how many it marked; a 409 (a concurrent controller patch) is left for next time.
     */
    int kubeletStep(String ns, String set) {
        int marked = 0;
        for (Pod pod : pods(ns, set)) {
            if (!gates(pod).isEmpty() || Member.isRunningAndReady(pod)) {
                continue;
            }
            pod.setStatus(new PodStatusBuilder()
                    .withPhase("Running")
                    .addNewCondition()
                    .withType("Ready")
                    .withStatus("True")
                    .withLastTransitionTime(Instant.now().toString())
                    .endCondition()
                    .build());
            try {
                client.pods().inNamespace(ns).resource(pod).updateStatus();
                marked++;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
        return marked;
    }

    /**
     * The invariants of an OrderedReady set, read from the API server: one pod per ordinal, the ordinal in the name
     * and in {@code apps.kubernetes.io/pod-index} agree, and the start order passes {@link OrderedStartOracle}. Returns
     * the pods by ordinal.
     */
    Map<Integer, Pod> assertInvariants(String ns, String set) {
        Map<Integer, Pod> byOrdinal = new TreeMap<>();
        for (Pod p : pods(ns, set)) {
            int n = PodNames.ordinalOf(set, p.getMetadata().getName());
            assertThat(n).as("ordinal of %s", p.getMetadata().getName()).isGreaterThanOrEqualTo(0);
            assertThat(p.getMetadata().getLabels())
                    .as("labels of %s", p.getMetadata().getName())
                    .containsEntry(OrdinalKeys.POD_INDEX_LABEL, Integer.toString(n));
            Pod other = byOrdinal.put(n, p);
            assertThat(other).as("two pods with ordinal %d", n).isNull();
        }
        assertThat(OrderedStartOracle.forSet(set).observePods(byOrdinal.values()))
                .as("ordered start of %s", set)
                .isEmpty();
        return byOrdinal;
    }
}
