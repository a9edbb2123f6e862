package dev.ordinal.faults;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import dev.ordinal.cluster.SetKey;
import dev.ordinal.controller.ClusterReader;
import dev.ordinal.controller.ControllerSettings;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;

/** Plain controller instances for the fault tests: settings with short timings, readers scoped to one namespace. */
final class Controllers {

    /** Lease duration of the test controllers: the longest a crashed leader's lease blocks a takeover. */
    static final Duration LEASE_DURATION = Duration.ofSeconds(4);

    private Controllers() {
    }

    /** Settings of controller {@code identity}, Lease in {@code ns}, with the timings of ControllerTestProfile. */
    static ControllerSettings settings(String ns, String identity) {
        return new ControllerSettings(ns, "ordinal-controller", identity, LEASE_DURATION, Duration.ofSeconds(3),
                Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofMillis(200), Duration.ofSeconds(5));
    }

    /** A reader that sees only namespace {@code ns}, so a test's controllers leave other tests' sets alone. */
    static ClusterReader scoped(ClusterReader reader, String ns) {
        return new ClusterReader() {
            @Override
            public boolean synced() {
                return reader.synced();
            }

            @Override
            public Collection<SetKey> sets() {
                return reader.sets().stream().filter(k -> k.namespace().equals(ns)).toList();
            }

            @Override
            public List<Pod> pods(SetKey key) {
                return key.namespace().equals(ns) ? reader.pods(key) : List.of();
            }

            @Override
            public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
                return reader.claim(namespace, name);
            }

            @Override
            public Optional<Service> service(String namespace, String name) {
                return reader.service(namespace, name);
            }

            @Override
            public void onSetChange(Consumer<SetKey> listener) {
                reader.onSetChange(key -> {
                    if (key.namespace().equals(ns)) {
                        listener.accept(key);
                    }
                });
            }
        };
    }
}
