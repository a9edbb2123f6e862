package dev.ordinal.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.identity.ClaimRetention;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.identity.ReservedOrdinals;
import dev.ordinal.identity.SetSettings;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The headless Service Ordinal creates, and what is wrong with one that exists. */
class HeadlessServiceTest {

    static SetSettings settings(boolean createService) {
        return new SetSettings(
                "web",
                "web-svc",
                SetSettings.PodManagementPolicy.OrderedReady,
                SetSettings.Ordering.gate,
                0,
                Collections.unmodifiableSortedSet(new TreeSet<>()),
                createService,
                0,
                ReservedOrdinals.NONE,
                ClaimRetention.RETAIN);
    }

    /** A pod whose containers have the given ports, each "name:port/PROTO" or "port/PROTO" or "port". */
    static Pod pod(List<List<String>> containers) {
        List<Container> built = new ArrayList<>();
        for (List<String> ports : containers) {
            ContainerBuilder c = new ContainerBuilder().withName("c" + built.size());
            for (String p : ports) {
                String name = p.contains(":") ? p.substring(0, p.indexOf(':')) : null;
                String rest = p.contains(":") ? p.substring(p.indexOf(':') + 1) : p;
                String[] portProto = rest.split("/");
                c.addToPorts(new ContainerPortBuilder()
                        .withName(name)
                        .withContainerPort(Integer.parseInt(portProto[0]))
                        .withProtocol(portProto.length > 1 ? portProto[1] : null)
                        .build());
            }
            built.add(c.build());
        }
        return PodFixtures.pod("web", 0)
                .containers(built.toArray(Container[]::new))
                .build();
    }

    static Stream<Arguments> ports() {
        return Stream.of(
                Arguments.of("one named port", List.of(List.of(List.of("http:80"))), List.of("http 80/TCP")),
                Arguments.of(
                        "the same port in two containers and two pods is published once",
                        List.of(List.of(List.of("http:80"), List.of("80")), List.of(List.of("http:80"))),
                        List.of("http 80/TCP")),
                Arguments.of(
                        "one port number over TCP and UDP is two ports",
                        List.of(List.of(List.of("dns:53/UDP", "dns-tcp:53/TCP"))),
                        List.of("dns-tcp 53/TCP", "dns 53/UDP")),
                Arguments.of(
                        "unnamed ports get protocol-port names",
                        List.of(List.of(List.of("8080", "9090/UDP"))),
                        List.of("tcp-8080 8080/TCP", "udp-9090 9090/UDP")),
                Arguments.of(
                        "a name used by two different ports is kept by the lower one",
                        List.of(List.of(List.of("metrics:9090"), List.of("metrics:9091"))),
                        List.of("metrics 9090/TCP", "tcp-9091 9091/TCP")),
                Arguments.of("no container ports, no Service ports", List.of(List.of(List.of())), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ports")
    void publishesEachContainerPortOnce(String name, List<List<List<String>>> pods, List<String> want) {
        List<Pod> built = pods.stream().map(HeadlessServiceTest::pod).toList();
        List<String> got = HeadlessService.ports(built).stream()
                .map(p -> p.getName() + " " + p.getPort() + "/" + p.getProtocol())
                .toList();
        assertThat(got).as("got %s, want %s", got, want).isEqualTo(want);
    }

    @Test
    void desiredServiceIsHeadlessSelectsTheSetAndPublishesNotReadyAddresses() {
        Service svc = HeadlessService.desired("ns", settings(true), List.of(pod(List.of(List.of("http:80")))));
        assertThat(svc.getMetadata().getName()).isEqualTo("web-svc");
        assertThat(svc.getMetadata().getNamespace()).isEqualTo("ns");
        assertThat(svc.getMetadata().getLabels())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        OrdinalKeys.MANAGED_BY_LABEL, OrdinalKeys.MANAGED_BY_VALUE, OrdinalKeys.SET_LABEL, "web"));
        assertThat(svc.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(svc.getSpec().getSelector()).containsExactlyEntriesOf(Map.of(OrdinalKeys.SET_LABEL, "web"));
        assertThat(svc.getSpec().getPublishNotReadyAddresses()).isTrue();
        assertThat(svc.getSpec().getPorts())
                .singleElement()
                .satisfies(p -> assertThat(p.getTargetPort().getIntVal()).isEqualTo(80));
        assertThat(HeadlessService.managedByOrdinal(svc)).isTrue();
    }

    @Test
    void headlessServiceWithoutPortsHasNoPlaceholderPort() {
        Service svc = HeadlessService.desired("ns", settings(true), List.of(pod(List.of(List.of()))));
        assertThat(svc.getSpec().getPorts()).isNullOrEmpty();
    }

    static Service existing(String clusterIp, Map<String, String> selector) {
        return new ServiceBuilder()
                .withNewMetadata()
                .withName("web-svc")
                .endMetadata()
                .withNewSpec()
                .withClusterIP(clusterIp)
                .withSelector(selector)
                .endSpec()
                .build();
    }

    static Stream<Arguments> checks() {
        Map<String, String> selects = Map.of(OrdinalKeys.SET_LABEL, "web");
        return Stream.of(
                Arguments.of("missing and allowed: create", Optional.empty(), true, true, List.of()),
                Arguments.of("missing and create-service=false: nothing", Optional.empty(), false, false, List.of()),
                Arguments.of(
                        "a usable Service: nothing", Optional.of(existing("None", selects)), true, false, List.of()),
                Arguments.of(
                        "not headless",
                        Optional.of(existing("10.0.0.7", selects)),
                        true,
                        false,
                        List.of(HeadlessService.Problem.NOT_HEADLESS)),
                Arguments.of(
                        "selects something else",
                        Optional.of(existing("None", Map.of("app", "web"))),
                        true,
                        false,
                        List.of(HeadlessService.Problem.SELECTOR_MISMATCH)),
                Arguments.of(
                        "neither",
                        Optional.of(existing("10.0.0.7", null)),
                        true,
                        false,
                        List.of(HeadlessService.Problem.NOT_HEADLESS, HeadlessService.Problem.SELECTOR_MISMATCH)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void checksTheServiceTheSetNames(
            String name,
            Optional<Service> existing,
            boolean allowed,
            boolean create,
            List<HeadlessService.Problem> problems) {
        HeadlessService.Check check = HeadlessService.check(existing, "ns", settings(allowed), List.of());
        assertThat(check.create().isPresent()).as("create").isEqualTo(create);
        assertThat(check.problems())
                .as("got %s, want %s", check.problems(), problems)
                .isEqualTo(problems);
    }
}
