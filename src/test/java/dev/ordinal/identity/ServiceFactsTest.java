package dev.ordinal.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What the rules learn about a set's Service: exists, headless, selects the set. */
class ServiceFactsTest {

    private static Service service(String clusterIp, Map<String, String> selector) {
        return new ServiceBuilder()
                .withNewMetadata()
                .withName("web")
                .endMetadata()
                .withNewSpec()
                .withClusterIP(clusterIp)
                .withSelector(selector)
                .endSpec()
                .build();
    }

    static Stream<Arguments> services() {
        return Stream.of(
                argumentSet("missing", null, ServiceFacts.MISSING),
                argumentSet(
                        "headless, selecting the set",
                        service("None", Map.of(OrdinalKeys.SET_LABEL, "web")),
                        new ServiceFacts(true, true, true)),
                argumentSet(
                        "headless, selecting another set",
                        service("None", Map.of(OrdinalKeys.SET_LABEL, "api")),
                        new ServiceFacts(true, true, false)),
                argumentSet(
                        "headless, selecting by another label",
                        service("None", Map.of("app", "web")),
                        new ServiceFacts(true, true, false)),
                argumentSet("headless, no selector", service("None", null), new ServiceFacts(true, true, false)),
                argumentSet(
                        "ClusterIP, selecting the set",
                        service("10.0.0.7", Map.of(OrdinalKeys.SET_LABEL, "web")),
                        new ServiceFacts(true, false, true)),
                argumentSet(
                        "clusterIP not yet allocated",
                        service(null, Map.of(OrdinalKeys.SET_LABEL, "web")),
                        new ServiceFacts(true, false, true)),
                argumentSet(
                        "lowercase none is not headless",
                        service("none", Map.of(OrdinalKeys.SET_LABEL, "web")),
                        new ServiceFacts(true, false, true)),
                argumentSet(
                        "no spec",
                        new ServiceBuilder()
                                .withNewMetadata()
                                .withName("web")
                                .endMetadata()
                                .build(),
                        new ServiceFacts(true, false, false)));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("services")
    void describesTheService(Service service, ServiceFacts want) {
        ServiceFacts got = ServiceFacts.of(service, "web");
        assertThat(got).as("ServiceFacts.of: got %s, want %s", got, want).isEqualTo(want);
    }
}
