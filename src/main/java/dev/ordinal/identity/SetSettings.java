package dev.ordinal.identity;

import java.util.Objects;
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

    // equals and hashCode written out: a record's generated ones run through method handles that the native
    // executable interprets (GraalVM GR-37191), about 100 times slower than these; every set snapshot groups its
    // members by settings.
    @Override
    public boolean equals(Object o) {
        return o instanceof SetSettings other
                && startOrdinal == other.startOrdinal
                && createService == other.createService
                && minReadySeconds == other.minReadySeconds
                && policy == other.policy
                && ordering == other.ordering
                && Objects.equals(set, other.set)
                && Objects.equals(service, other.service)
                && Objects.equals(ephemeralVolumes, other.ephemeralVolumes)
                && Objects.equals(reservedOrdinals, other.reservedOrdinals)
                && Objects.equals(retention, other.retention);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(set);
        h = 31 * h + Objects.hashCode(service);
        h = 31 * h + Objects.hashCode(policy);
        h = 31 * h + Objects.hashCode(ordering);
        h = 31 * h + startOrdinal;
        h = 31 * h + Objects.hashCode(ephemeralVolumes);
        h = 31 * h + Boolean.hashCode(createService);
        h = 31 * h + minReadySeconds;
        h = 31 * h + Objects.hashCode(reservedOrdinals);
        return 31 * h + Objects.hashCode(retention);
    }

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
