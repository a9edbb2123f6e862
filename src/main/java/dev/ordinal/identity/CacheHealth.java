package dev.ordinal.identity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether decisions may be taken from the informer caches now: the one cache-health rule that the admission guard
 * ({@link #refusal}), readiness ({@link #ready}) and the staleness watchdog ({@link #tooStale}) all apply. A value:
 * the cluster package measures, this decides.
 *
 * @param unsynced the caches that have not completed their first list yet (empty once all are synced)
 * @param staleness how long the watches have been disconnected from the API server
 * @param maxStaleness {@code ordinal.admission.max-cache-staleness}; zero or negative disables the staleness rule
 */
public record CacheHealth(List<String> unsynced, Staleness staleness, Duration maxStaleness) {

    /** The caches admission decides from: member pods (ordinals, holders, readiness) and PVCs (the claims gate). */
    public static final List<String> DECISION_CACHES = List.of("pods", "persistentvolumeclaims");

    public CacheHealth {
        unsynced = List.copyOf(unsynced);
    }

    /**
     * The staleness rule: true when {@code bound} is positive and {@code age} is larger. A zero bound disables it; a
     * cache exactly {@code bound} old is still fresh.
     */
    public static boolean tooStale(Duration age, Duration bound) {
        return !bound.isZero() && !bound.isNegative() && age.compareTo(bound) > 0;
    }

    /** True when every cache has completed its first list. */
    public boolean synced() {
        return unsynced.isEmpty();
    }

    /** True when a decision cache has been disconnected for longer than {@code maxStaleness}. */
    public boolean stale() {
        return staleness.exceeds(maxStaleness);
    }

    /** Readiness: every cache synced and none of the decision caches too stale. */
    public boolean ready() {
        return synced() && !stale();
    }

    /**
     * The retryable 429 for a decision about set {@code set} while the caches cannot be trusted; empty when they can.
     * {@code whatCannotBeDone} completes the sentence "… so that" (e.g. "an ordinal cannot be chosen").
     */
    public Optional<Decision.Deny> refusal(String set, String whatCannotBeDone) {
        if (!synced()) {
            return Optional.of(Decision.Deny.retryLater("Ordinal's caches are still syncing ("
                    + String.join(", ", unsynced) + "); " + whatCannotBeDone + " safely yet. Retry later"));
        }
        if (stale()) {
            return Optional.of(Decision.Deny.retryLater("Ordinal's cache is stale: " + staleness.describe()
                    + ", more than ordinal.admission.max-cache-staleness (" + maxStaleness.toSeconds()
                    + " s). It may miss pods other replicas admitted and readiness changes of set " + set + ", so "
                    + whatCannotBeDone + " safely. Retry later"));
        }
        return Optional.empty();
    }

    /** Whole seconds, rounded up: a cache 4.2 s stale is reported as 5 s, never as the 4 s bound it exceeds. */
    public static long ceilSeconds(Duration d) {
        return (d.toMillis() + 999) / 1000;
    }

    /**
     * How stale the caches are. {@code age} is the longest disconnection among the {@link #DECISION_CACHES};
     * {@code disconnected} lists every informer whose watch is disconnected now, with for how long.
     */
    public record Staleness(Duration age, Map<String, Duration> disconnected) {

        /** True when {@link CacheHealth#tooStale} says {@code age} exceeds {@code bound}. */
        public boolean exceeds(Duration bound) {
            return tooStale(age, bound);
        }

        /** E.g. {@code "its watch of pods has been disconnected from the API server for 75 s"} (rounded up). */
        public String describe() {
            List<String> names = new ArrayList<>();
            for (String name : DECISION_CACHES) {
                Duration d = disconnected.get(name);
                if (d != null && d.equals(age)) {
                    names.add(name);
                }
            }
            return "its watch of " + String.join(" and ", names) + " has been disconnected from the API server for "
                    + ceilSeconds(age) + " s";
        }

        /** The disconnected informers as {@code pods=75s,persistentvolumeclaims=75s}, sorted by name. */
        public String disconnectedList() {
            return disconnected.entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .map(e -> e.getKey() + "=" + ceilSeconds(e.getValue()) + "s")
                    .reduce((a, b) -> a + "," + b)
                    .orElse("");
        }
    }
}
