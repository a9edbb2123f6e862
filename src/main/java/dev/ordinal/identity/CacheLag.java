package dev.ordinal.identity;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A creation that outruns the pod cache. A controller replaces a deleted pod within milliseconds of the deletion
 * (7 ms on the real control plane, docs/real-cluster.md), often before the deletion reaches Ordinal's watch: the
 * cache still shows the old {@code S-n} live, so the replacement would take a new, higher ordinal and {@code S-n}
 * would never come back. A StatefulSet has no such window because one controller both names and counts its pods.
 *
 * <p>The only creation this can hurt is a controller's {@code generateName} pod that would grow the set past its
 * highest live ordinal; for those the admission adapter compares the cache with one live list of the set's pods, and
 * a member the cache shows live that the API server shows terminating or gone means: retry (HTTP 429, which every
 * controller does), by which time the cache has caught up and the old ordinal is re-used.
 */
public final class CacheLag {

    private CacheLag() {}

    /**
     * True when a pod created by a controller ({@code controller} non-null) with {@code generateName} was assigned
     * {@code ordinal} above every live member of {@code cached}: the one case where a stale cache picks a wrong name.
     */
    public static boolean needsLiveCheck(String controller, int ordinal, SetSnapshot cached) {
        return controller != null && cached.liveCount() > 0 && ordinal > cached.highestLive();
    }

    /**
     * The members {@code cached} shows live that {@code live} (the API server's list of the set's pods) shows
     * terminating, or does not have at all; sorted by ordinal. A name held by a different uid in {@code live} is a
     * newer pod of that name, which is live, so not vacated.
     */
    public static List<String> vacated(SetSnapshot cached, List<Pod> live) {
        Map<String, Pod> byName = new HashMap<>();
        for (Pod pod : live) {
            byName.put(pod.getMetadata().getName(), pod);
        }
        List<String> vacated = new ArrayList<>();
        for (Member m : cached.members().values()) {
            if (m.terminating()) {
                continue;
            }
            Pod now = byName.get(m.name());
            boolean gone = now == null;
            boolean sameAndTerminating = now != null
                    && m.uid() != null
                    && m.uid().equals(now.getMetadata().getUid())
                    && Member.isTerminating(now);
            if (gone || sameAndTerminating) {
                vacated.add(m.name());
            }
        }
        return vacated;
    }

    /** The answer while the cache has not seen {@code vacated} leave: retry, naming them. */
    public static Decision.Deny retryLater(String set, int ordinal, List<String> vacated) {
        return Decision.Deny.retryLater("set " + SettingsParser.quote(set) + ": " + String.join(", ", vacated)
                + (vacated.size() == 1 ? " was" : " were") + " deleted moments ago and Ordinal's cache has not seen it"
                + " yet; this pod would have taken " + PodNames.podName(set, ordinal)
                + " instead of re-using the freed ordinal, so it is refused for now: its creator retries");
    }
}
