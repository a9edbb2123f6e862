package dev.ordinal.identity;

import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * {@code ordinal.dev/pvc-retention: whenDeleted=Retain|Delete,whenScaled=Retain|Delete}, StatefulSet's
 * {@code persistentVolumeClaimRetentionPolicy} (KEP-1847) for an ordinal set. Either part may be left out; both
 * default to {@code Retain}, as in StatefulSet.
 */
public record ClaimRetention(Policy whenDeleted, Policy whenScaled) {

    /** Retain/Retain: claims outlive everything (the default). */
    public static final ClaimRetention RETAIN = new ClaimRetention(Policy.Retain, Policy.Retain);

    // equals and hashCode written out: a record's generated ones run through method handles that the native
    // executable interprets (GraalVM GR-37191), about 100 times slower than these; part of SetSettings' equality.
    @Override
    public boolean equals(Object o) {
        return o instanceof ClaimRetention other && whenDeleted == other.whenDeleted && whenScaled == other.whenScaled;
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hashCode(whenDeleted) + Objects.hashCode(whenScaled);
    }

    /** As StatefulSet's {@code PersistentVolumeClaimRetentionPolicyType}. */
    public enum Policy {
        Retain,
        Delete
    }

    private static final String POLICIES =
            Arrays.stream(Policy.values()).map(Enum::name).collect(Collectors.joining("|"));
    // Built once: it was built on every parse, i.e. on every review of a member pod (a microsecond each).
    private static final String ALLOWED = "; allowed: whenDeleted=" + POLICIES + ",whenScaled=" + POLICIES
            + " (either part optional, each at most once; default Retain)";

    /** Parses {@code "whenDeleted=Delete,whenScaled=Retain"}; blank means {@link #RETAIN}. */
    public static Parsed<ClaimRetention> parse(String raw) {
        Policy deleted = null;
        Policy scaled = null;
        for (String entry : CommaList.entries(raw)) {
            int eq = entry.indexOf('=');
            String key = eq < 0 ? entry : entry.substring(0, eq).trim();
            String value = eq < 0 ? "" : entry.substring(eq + 1).trim();
            Policy policy = null;
            for (Policy p : Policy.values()) {
                if (p.name().equals(value)) {
                    policy = p;
                    break;
                }
            }
            if (policy == null || !(key.equals("whenDeleted") || key.equals("whenScaled"))) {
                return new Parsed.Invalid<>("entry " + SettingsParser.quote(entry) + " is not allowed" + ALLOWED);
            }
            if (key.equals("whenDeleted")) {
                if (deleted != null) {
                    return new Parsed.Invalid<>("whenDeleted is given twice" + ALLOWED);
                }
                deleted = policy;
            } else {
                if (scaled != null) {
                    return new Parsed.Invalid<>("whenScaled is given twice" + ALLOWED);
                }
                scaled = policy;
            }
        }
        return new Parsed.Valid<>(
                new ClaimRetention(deleted == null ? Policy.Retain : deleted, scaled == null ? Policy.Retain : scaled));
    }

    public boolean deleteWithOwner() {
        return whenDeleted == Policy.Delete;
    }

    public boolean deleteWhenScaled() {
        return whenScaled == Policy.Delete;
    }

    /** The canonical form, as a user writes it. */
    @Override
    public String toString() {
        return "whenDeleted=" + whenDeleted + ",whenScaled=" + whenScaled;
    }
}
