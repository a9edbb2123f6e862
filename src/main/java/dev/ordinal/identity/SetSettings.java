package dev.ordinal.identity;

import java.util.SortedSet;

/**
 * The tunables of one ordinal set, parsed from a pod's {@code ordinal.dev/*} annotations (SPEC §2). Two members
 * agree when their settings are equal.
 */
public record SetSettings(
        String set,
        String service,
        PodManagementPolicy policy,
        Ordering ordering,
        int startOrdinal,
        SortedSet<String> ephemeralVolumes,
        boolean createService,
        int minReadySeconds,
        ReservedOrdinals reservedOrdinals,
        ClaimRetention retention) {

    /** As StatefulSet's {@code podManagementPolicy}. */
    public enum PodManagementPolicy {
        OrderedReady,
        Parallel
    }

    /** How OrderedReady is enforced. */
    public enum Ordering {
        /** Admit the pod with scheduling gate {@code ordinal.dev/ordered}; the controller lifts it. */
        gate,
        /** Reject creation until every lower ordinal is Running and Ready; the creator retries. */
        deny
    }

    /** True when later ordinals must wait for earlier ones. */
    public boolean ordered() {
        return policy == PodManagementPolicy.OrderedReady;
    }

    /** True when ordering is enforced with the {@code ordinal.dev/ordered} gate. */
    public boolean gated() {
        return ordered() && ordering == Ordering.gate;
    }

    /** True when ordering is enforced by denying creation. */
    public boolean denyOrdering() {
        return ordered() && ordering == Ordering.deny;
    }
}
