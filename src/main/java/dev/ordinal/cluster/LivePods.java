package dev.ordinal.cluster;

import dev.ordinal.identity.OrdinalKeys;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * One live read of a set's pods from the API server, for the one admission case the cache cannot answer
 * ({@link dev.ordinal.identity.CacheLag}). Everything else reads the caches.
 */
@ApplicationScoped
public class LivePods {

    private static final Logger LOG = Logger.getLogger(LivePods.class);

    @Inject
    KubernetesClient client;

    /** The pods of set {@code key} as the API server has them now; empty when the API server cannot say. */
    public Optional<List<Pod>> list(SetKey key) {
        try {
            return Optional.of(client.pods()
                    .inNamespace(key.namespace())
                    .withLabel(OrdinalKeys.SET_LABEL, key.set())
                    .list()
                    .getItems());
        } catch (KubernetesClientException e) {
            // Without the live list the cache decides, as it did before this check existed.
            LOG.debugf("live list of set %s/%s failed: %s", key.namespace(), key.set(), e.getMessage());
            return Optional.empty();
        }
    }
}
