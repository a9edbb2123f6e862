package dev.ordinal.plan;

import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.identity.ServiceFacts;
import dev.ordinal.identity.SetSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The headless Service of a set (SPEC §4 "Service"): what Ordinal creates when none exists and creation is allowed,
 * and what is wrong with one that exists. An existing Service is never changed, whoever made it.
 */
public final class HeadlessService {

    private HeadlessService() {}

    /** Something about an existing Service that breaks per-pod DNS for the set. */
    public enum Problem {
        /** {@code spec.clusterIP} is not {@code None}, so there are no per-pod DNS records. */
        NOT_HEADLESS,
        /** The selector does not pick {@code ordinal.dev/set: S}, so the set's pods are not its endpoints. */
        SELECTOR_MISMATCH
    }

    /** Outcome of {@link #check}: a Service to create, or the problems of the existing one (maybe none). */
    public record Check(Optional<Service> create, List<Problem> problems) {
        public Check {
            problems = List.copyOf(problems);
        }
    }

    /**
     * Checks set {@code s} in {@code namespace} against {@code existing} (the Service named by
     * {@code ordinal.dev/service}, if any). {@code pods} are the set's live pods, whose container ports the new
     * Service publishes. Nothing is created when {@code ordinal.dev/create-service} is {@code false}.
     */
    public static Check check(Optional<Service> existing, String namespace, SetSettings s, Collection<Pod> pods) {
        if (existing.isEmpty()) {
            return new Check(
                    s.createService() ? Optional.of(desired(namespace, s, pods)) : Optional.empty(), List.of());
        }
        ServiceFacts facts = ServiceFacts.of(existing.get(), s.set());
        List<Problem> problems = new ArrayList<>();
        if (!facts.headless()) {
            problems.add(Problem.NOT_HEADLESS);
        }
        if (!facts.selectsSet()) {
            problems.add(Problem.SELECTOR_MISMATCH);
        }
        return new Check(Optional.empty(), problems);
    }

    /**
     * The Service Ordinal creates for set {@code s}: headless, selecting {@code ordinal.dev/set: S}, publishing
     * not-ready addresses (so a starting pod's DNS name resolves, as StatefulSet peers expect), with the pods'
     * container ports, labelled as Ordinal's.
     */
    public static Service desired(String namespace, SetSettings s, Collection<Pod> pods) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(OrdinalKeys.MANAGED_BY_LABEL, OrdinalKeys.MANAGED_BY_VALUE);
        labels.put(OrdinalKeys.SET_LABEL, s.set());
        List<ServicePort> ports = ports(pods);
        return new ServiceBuilder()
                .withNewMetadata()
                .withName(s.service())
                .withNamespace(namespace)
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withClusterIP("None")
                .withSelector(Map.of(OrdinalKeys.SET_LABEL, s.set()))
                .withPublishNotReadyAddresses(true)
                // Kubernetes accepts a headless Service without ports; no placeholder port is invented.
                .withPorts(ports.isEmpty() ? null : ports)
                .endSpec()
                .build();
    }

    /**
     * The container ports of {@code pods}, one per (port, protocol), sorted by port then protocol. Each is named
     * after the first container port name seen for it when that name is still free, else {@code <protocol>-<port>}
     * (a Service with several ports needs unique names; container port names are valid Service port names).
     */
    public static List<ServicePort> ports(Collection<Pod> pods) {
        record Key(int port, String protocol) {}
        Map<Key, String> names =
                new TreeMap<>(Comparator.comparingInt(Key::port).thenComparing(Key::protocol));
        for (Pod pod : pods) {
            if (pod.getSpec() == null || pod.getSpec().getContainers() == null) {
                continue;
            }
            for (Container c : pod.getSpec().getContainers()) {
                for (ContainerPort p : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
                    if (p.getContainerPort() == null) {
                        continue;
                    }
                    String protocol = p.getProtocol() == null ? "TCP" : p.getProtocol();
                    Key key = new Key(p.getContainerPort(), protocol);
                    String name = p.getName() == null || p.getName().isEmpty() ? null : p.getName();
                    names.merge(key, name == null ? "" : name, (old, neu) -> old.isEmpty() ? neu : old);
                }
            }
        }
        Set<String> used = new HashSet<>();
        List<ServicePort> ports = new ArrayList<>();
        for (Map.Entry<Key, String> e : names.entrySet()) {
            String name = e.getValue();
            if (name.isEmpty() || !used.add(name)) {
                String base = e.getKey().protocol().toLowerCase(Locale.ROOT) + "-"
                        + e.getKey().port();
                name = base;
                for (int i = 2; !used.add(name); i++) {
                    name = base + "-" + i;
                }
            }
            ports.add(new ServicePortBuilder()
                    .withName(name)
                    .withPort(e.getKey().port())
                    .withProtocol(e.getKey().protocol())
                    .withTargetPort(new IntOrString(e.getKey().port()))
                    .build());
        }
        return ports;
    }

    /** True when {@code service} was created by Ordinal (carries {@code app.kubernetes.io/managed-by: ordinal}). */
    public static boolean managedByOrdinal(Service service) {
        Map<String, String> labels =
                service.getMetadata() == null ? null : service.getMetadata().getLabels();
        return labels != null && OrdinalKeys.MANAGED_BY_VALUE.equals(labels.get(OrdinalKeys.MANAGED_BY_LABEL));
    }
}
