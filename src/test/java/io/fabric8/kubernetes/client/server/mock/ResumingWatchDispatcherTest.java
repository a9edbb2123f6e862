package io.fabric8.kubernetes.client.server.mock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ordinal.support.MockApiServer;
import dev.ordinal.support.PodFixtures;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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
    void aListWithALimitComesInPagesOfOneSnapshot() {
        for (int n = 0; n < 5; n++) {
            create(n);
        }
        ListOptions firstPage = new ListOptionsBuilder().withLimit(2L).build();
        PodList first = client.pods().inNamespace("ns").list(firstPage);
        create(5); // after the snapshot: not in the later pages, as on the API server
        PodList second = client.pods().inNamespace("ns").list(next(first));
        PodList third = client.pods().inNamespace("ns").list(next(second));

        assertThat(names(first)).hasSize(2);
        assertThat(names(second)).hasSize(2);
        assertThat(names(third)).hasSize(1);
        assertThat(third.getMetadata().getContinue()).isNull();
        List<String> all = new ArrayList<>(names(first));
        all.addAll(names(second));
        all.addAll(names(third));
        assertThat(all).containsExactlyInAnyOrder("web-0", "web-1", "web-2", "web-3", "web-4");
        assertThat(List.of(second, third))
                .extracting(l -> l.getMetadata().getResourceVersion())
                .containsOnly(first.getMetadata().getResourceVersion());
        assertThat(client.pods().inNamespace("ns").list().getItems()).hasSize(6);
    }

    @Test
    void aContinueTokenIsUsedOnceAndAnUnknownOneIsExpired() {
        for (int n = 0; n < 3; n++) {
            create(n);
        }
        PodList first = client.pods()
                .inNamespace("ns")
                .list(new ListOptionsBuilder().withLimit(2L).build());
        client.pods().inNamespace("ns").list(next(first));

        assertThatThrownBy(() -> client.pods().inNamespace("ns").list(next(first)))
                .isInstanceOfSatisfying(
                        KubernetesClientException.class,
                        e -> assertThat(e.getCode()).isEqualTo(410));
        assertThatThrownBy(() -> client.pods()
                        .inNamespace("ns")
                        .list(new ListOptionsBuilder()
                                .withLimit(2L)
                                .withContinue("nope")
                                .build()))
                .isInstanceOfSatisfying(
                        KubernetesClientException.class,
                        e -> assertThat(e.getCode()).isEqualTo(410));
    }

    @Test
    void anInformerWithAPageSizeFillsItsCacheOnePageAtATime() throws Exception {
        for (int n = 0; n < 5; n++) {
            create(n);
        }
        try (SharedIndexInformer<Pod> informer =
                client.pods().inAnyNamespace().withLimit(2L).inform()) {
            await().atMost(Duration.ofSeconds(10)).until(informer::hasSynced);
            assertThat(informer.getStore().list()).hasSize(5);
        }
        List<String> lists = new ArrayList<>();
        for (RecordedRequest request = mock.takeRequest(1, TimeUnit.SECONDS);
                request != null;
                request = mock.takeRequest(1, TimeUnit.SECONDS)) {
            if (request.getPath().startsWith("/api/v1/pods?")
                    && !request.getPath().contains("watch=true")) {
                lists.add(request.getPath());
            }
        }
        assertThat(lists).hasSize(3).allMatch(path -> path.contains("limit=2"));
        assertThat(lists.subList(1, 3)).allMatch(path -> path.contains("continue=page-"));
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

    private static ListOptions next(PodList page) {
        assertThat(page.getMetadata().getContinue()).isNotBlank();
        return new ListOptionsBuilder()
                .withLimit(2L)
                .withContinue(page.getMetadata().getContinue())
                .build();
    }

    private static List<String> names(PodList page) {
        return page.getItems().stream().map(p -> p.getMetadata().getName()).toList();
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
