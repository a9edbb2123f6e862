package dev.ordinal.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * What the pod cache keeps of a member pod ({@link CachedFields#reduce(Pod)} says why each field): its metadata
 * with annotations, the names of its scheduling gates, each container's name and ports, its phase and conditions.
 * The pod {@link #toPod} makes has no spec, or no status, when the kept pod had none; it shares nothing with what is
 * kept.
 */
record KeptPod(
        KeptMeta meta,
        boolean hasSpec,
        List<String> gates,
        List<KeptContainer> containers,
        boolean hasStatus,
        String phase,
        List<PodCondition> conditions) {

    /** A container's name and ports. */
    record KeptContainer(String name, List<ContainerPort> ports) {}

    static KeptPod of(Pod pod) {
        PodSpec spec = pod.getSpec();
        PodStatus status = pod.getStatus();
        List<String> gates = new ArrayList<>();
        List<KeptContainer> containers = new ArrayList<>();
        if (spec != null) {
            if (spec.getSchedulingGates() != null) {
                for (PodSchedulingGate g : spec.getSchedulingGates()) {
                    gates.add(g == null ? null : g.getName());
                }
            }
            if (spec.getContainers() != null) {
                for (Container c : spec.getContainers()) {
                    containers.add(
                            c == null
                                    ? null
                                    : new KeptContainer(c.getName(), CachedFields.copies(c.getPorts(), KeptPod::copy)));
                }
            }
        }
        return new KeptPod(
                KeptMeta.of(pod.getMetadata(), true),
                spec != null,
                gates,
                containers,
                status != null,
                status == null ? null : status.getPhase(),
                status == null ? List.of() : CachedFields.copies(status.getConditions(), KeptPod::copy));
    }

    Pod toPod() {
        Pod pod = new Pod();
        pod.setMetadata(meta.toMeta());
        if (hasSpec) {
            PodSpec spec = new PodSpec();
            List<PodSchedulingGate> schedulingGates = new ArrayList<>(gates.size());
            for (String gate : gates) {
                schedulingGates.add(gate == null ? null : new PodSchedulingGate(gate));
            }
            spec.setSchedulingGates(schedulingGates);
            List<Container> kept = new ArrayList<>(containers.size());
            for (KeptContainer c : containers) {
                if (c == null) {
                    kept.add(null);
                } else {
                    Container container = new Container();
                    container.setName(c.name());
                    container.setPorts(CachedFields.copies(c.ports(), KeptPod::copy));
                    kept.add(container);
                }
            }
            spec.setContainers(kept);
            pod.setSpec(spec);
        }
        if (hasStatus) {
            PodStatus status = new PodStatus();
            status.setPhase(phase);
            status.setConditions(CachedFields.copies(conditions, KeptPod::copy));
            pod.setStatus(status);
        }
        return pod;
    }

    private static ContainerPort copy(ContainerPort port) {
        return new ContainerPortBuilder(port).build();
    }

    private static PodCondition copy(PodCondition condition) {
        return new PodConditionBuilder(condition).build();
    }
}
