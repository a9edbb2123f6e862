package dev.ordinal.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.sim.AdmissionChain;
import dev.ordinal.sim.ApiException;
import dev.ordinal.sim.JobSim;
import dev.ordinal.sim.KubeletSim;
import dev.ordinal.sim.PodTemplates;
import dev.ordinal.sim.Requester;
import dev.ordinal.sim.SetInvariants;
import dev.ordinal.support.E2eCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Sets made by something other than a ReplicaSet: a Job, and bare pods applied with explicit names. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(E2eProfile.class)
class WorkloadKindsE2ETest {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @KubernetesTestServer
    KubernetesServer server;

    @RegisterExtension
    final E2eCluster e2e = new E2eCluster(() -> server.getClient());

    @Test
    void aJobsPodsGetOrdinalsAndClaimsAndRunToCompletion() {
        JobSim job = e2e.cluster()
                .job("shard", PodTemplates.member("shard", Map.of(OrdinalKeys.POLICY_ANNOTATION, "Parallel")), 3, 3);
        e2e.cluster().observer().await("the Job complete", TIMEOUT, o -> job.complete());
        assertThat(job.succeededPods()).containsExactlyInAnyOrder("shard-0", "shard-1", "shard-2");
        for (Pod pod : e2e.cluster().observer().pods().values()) {
            assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
            assertThat(pod.getMetadata().getFinalizers())
                    .as("job-tracking finalizer removed through the chain")
                    .doesNotContain(JobSim.TRACKING_FINALIZER);
            assertThat(KubeletSim.claimNames(pod))
                    .containsExactly("data-" + pod.getMetadata().getName());
        }
        assertThat(e2e.cluster().observer().claims()).containsOnlyKeys("data-shard-0", "data-shard-1", "data-shard-2");
        assertThat(e2e.cluster().observer().violations()).isEmpty();
    }

    @Test
    void barePodsAppliedWithExplicitNamesStartInOrder() {
        AdmissionChain chain = e2e.cluster().chain();
        String ns = e2e.cluster().namespace();
        Pod last = null;
        for (int n = 0; n < 3; n++) {
            last = chain.create(ns, PodTemplates.named("db", "db-" + n, Map.of()), Requester.ADMIN, false)
                    .pod();
        }
        assertThat(SetInvariants.gates(last)).as("db-2 waits for db-0 and db-1").contains(OrdinalKeys.ORDERED_GATE);
        e2e.cluster().observer().await("db-0…db-2 Running and Ready", TIMEOUT, o -> o.readyExactly("db", 3));
        assertThat(e2e.cluster().observer().readyOrder()).containsExactly("db-0", "db-1", "db-2");
        assertThat(e2e.cluster().observer().maxStartingAtOnce("db")).isEqualTo(1);

        ApiException again = catchThrowableOfType(
                ApiException.class,
                () -> chain.create(ns, PodTemplates.named("db", "db-1", Map.of()), Requester.ADMIN, false));
        assertThat(again.code()).isEqualTo(409);
        assertThat(again.getMessage())
                .startsWith("admission webhook \"validate.pods.ordinal.dev\" denied the request:")
                .contains("ordinal 1 of set \"db\" is already held by live pod db-1");

        List<String> warnings = chain.create(ns, PodTemplates.named("db", "db-5", Map.of()), Requester.ADMIN, false)
                .warnings();
        assertThat(warnings)
                .as("kubectl prints these")
                .anySatisfy(w -> assertThat(w).contains("has 2 ordinal(s) below 5"));
        assertThat(e2e.cluster().observer().violations()).isEmpty();
    }
}
