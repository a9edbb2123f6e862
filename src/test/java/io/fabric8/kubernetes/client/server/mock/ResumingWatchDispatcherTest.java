package io.fabric8.kubernetes.client.server.mock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.support.MockApiServer;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ResumingWatchDispatcherTest {

    KubernetesMockServer mock;
    KubernetesClient client;

    @BeforeEach
    void start() {
        mock = MockApiServer.crudResumingWatches();
        client = mock.createClient();
    }

    @AfterEach
    void stop() {
        client.close();
        mock.destroy();
    }

    @Test
    void aWatchFromTheListsResourceVersionGetsOnlyWhatChangedAfterIt() throws Exception {
        create(0);
        create(1);
        String listed = client.pods().inNamespace("ns").list().getMetadata().getResourceVersion();
        create(2);

        List<String> seen = watchFrom(listed, 1);

        assertThat(listed).isNotBlank();
        assertThat(seen).containsExactly("ADDED web-2");
    }

    @Test
    void aWatchWithoutAResourceVersionGetsEverythingStored() throws Exception {
        create(0);
        create(1);

        assertThat(watchFrom(null, 2)).containsExactlyInAnyOrder("ADDED web-0", "ADDED web-1");
    }

    @Test
    void eventsAfterTheWatchOpensStillArrive() throws Exception {
        create(0);
        String listed = client.pods().inNamespace("ns").list().getMetadata().getResourceVersion();
        List<String> seen = new CopyOnWriteArrayList<>();
        try (Watch watch = watch(listed, seen)) {
            create(1);
            client.pods().inNamespace("ns").withName("web-0").delete();
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= 2);
        }
        assertThat(seen).containsExactly("ADDED web-1", "DELETED web-0");
    }

    @Test
    void resourceVersionIsReadFromTheQuery() {
        assertThat(ResumingWatchDispatcher.resourceVersion("/api/v1/namespaces/ns/pods?watch=true&resourceVersion=42"))
                .isEqualTo(42);
        assertThat(ResumingWatchDispatcher.resourceVersion("/api/v1/pods?resourceVersion=7&watch=true"))
                .isEqualTo(7);
        assertThat(ResumingWatchDispatcher.resourceVersion("/api/v1/pods?watch=true"))
                .isZero();
        assertThat(ResumingWatchDispatcher.resourceVersion("/api/v1/pods?watch=true&resourceVersion="))
                .isZero();
        assertThat(ResumingWatchDispatcher.resourceVersion("/api/v1/pods?watch=true&resourceVersion=abc"))
                .isZero();
        assertThat(ResumingWatchDispatcher.resourceVersion("/api/v1/pods")).isZero();
    }

    /** Stores pod web-{@code n} in namespace ns. */
    private void create(int n) {
        Pod pod = PodFixtures.stored("web", n).build();
        pod.getMetadata().setNamespace("ns");
        client.pods().inNamespace("ns").resource(pod).create();
    }

    /** The events of a watch from {@code resourceVersion}, once {@code expected} arrived and a moment for more. */
    private List<String> watchFrom(String resourceVersion, int expected) throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (Watch watch = watch(resourceVersion, seen)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= expected);
            Thread.sleep(300); // anything replayed beyond what was expected arrives with the rest
        }
        return seen;
    }

    private Watch watch(String resourceVersion, List<String> seen) {
        return client.pods()
                .inNamespace("ns")
                .watch(
                        new ListOptionsBuilder()
                                .withResourceVersion(resourceVersion)
                                .build(),
                        new Watcher<Pod>() {
                            @Override
                            public void eventReceived(Action action, Pod pod) {
                                seen.add(action + " " + pod.getMetadata().getName());
                            }

                            @Override
                            public void onClose(WatcherException cause) {}
                        });
    }
}
