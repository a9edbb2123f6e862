package dev.ordinal.support;

import dev.ordinal.cluster.SetKey;
import dev.ordinal.controller.ClusterReader;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/** Cluster readers for tests that run their own controller instances beside the application's. */
public final class Readers {

    private Readers() {}

    /** A reader that sees only namespace {@code ns}, so a test's controllers leave other tests' sets alone. */
    public static ClusterReader scoped(ClusterReader reader, String ns) {
        return new ClusterReader() {
            @Override
            public boolean synced() {
                return reader.synced();
            }

            @Override
            public Collection<SetKey> sets() {
                return reader.sets().stream()
                        .filter(k -> k.namespace().equals(ns))
                        .toList();
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
            public java.util.List<PersistentVolumeClaim> claims(String namespace) {
                return reader.claims(namespace);
            }

            @Override
            public Optional<Service> service(String namespace, String name) {
                return reader.service(namespace, name);
            }

            @Override
            public Set<Integer> reserved(SetKey key) {
                return key.namespace().equals(ns) ? reader.reserved(key) : Set.of();
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
