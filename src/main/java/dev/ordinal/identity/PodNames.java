package dev.ordinal.identity;

import java.util.regex.Pattern;

/** The naming formulas of an ordinal set, written once (as {@code getPodName} and friends in stateful_set_utils.go). */
public final class PodNames {

    /** Kubernetes' DNS-1123 label limit, which a pod's hostname must meet. */
    public static final int MAX_DNS_LABEL_LENGTH = 63;
    /** Kubernetes' DNS-1123 subdomain limit, which a PVC name must meet. */
    public static final int MAX_DNS_SUBDOMAIN_LENGTH = 253;

    private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS_1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");

    private PodNames() {}

    /** The name of ordinal {@code ordinal} of set {@code set}: {@code S-n}. */
    public static String podName(String set, int ordinal) {
        return set + "-" + ordinal;
    }

    /** The PVC name for {@code volume} of pod {@code S-n}: {@code <volume>-S-n}, as StatefulSet names claims. */
    public static String claimName(String volume, String set, int ordinal) {
        return volume + "-" + podName(set, ordinal);
    }

    /**
     * Parses the ordinal from a pod name of set {@code set}. Strict: the name must be {@code S-} followed by a
     * decimal with no sign and no leading zero (except {@code 0} itself) that fits an {@code int} and round-trips.
     */
    public static OrdinalParse parseOrdinal(String set, String podName) {
        String prefix = set + "-";
        if (podName == null || !podName.startsWith(prefix)) {
            return new OrdinalParse.Invalid("does not start with \"" + prefix + "\"");
        }
        String digits = podName.substring(prefix.length());
        if (!DIGITS.matcher(digits).matches()) {
            return new OrdinalParse.Invalid(
                    "\"" + digits + "\" after \"" + prefix + "\" is not a non-negative decimal ordinal");
        }
        if (digits.length() > 1 && digits.charAt(0) == '0') {
            return new OrdinalParse.Invalid("ordinal \"" + digits + "\" has a leading zero");
        }
        if (digits.length() > 10 || Long.parseLong(digits) > Integer.MAX_VALUE) {
            return new OrdinalParse.Invalid("ordinal " + digits + " overflows the maximum " + Integer.MAX_VALUE);
        }
        return new OrdinalParse.Valid(Integer.parseInt(digits));
    }

    /** The ordinal of {@code podName} in set {@code set}, or -1 when the name is not a valid {@code S-n}. */
    public static int ordinalOf(String set, String podName) {
        return parseOrdinal(set, podName) instanceof OrdinalParse.Valid valid ? valid.ordinal() : -1;
    }

    /** True for a DNS-1123 label (what a hostname and a pod name in a headless Service must be). */
    public static boolean isDnsLabel(String value) {
        return value != null
                && value.length() <= MAX_DNS_LABEL_LENGTH
                && DNS_1123_LABEL.matcher(value).matches();
    }

    /** True for a DNS-1123 subdomain (what a PVC, StorageClass or API group name must be). */
    public static boolean isDnsSubdomain(String value) {
        return value != null
                && value.length() <= MAX_DNS_SUBDOMAIN_LENGTH
                && DNS_1123_SUBDOMAIN.matcher(value).matches();
    }

    /** True for a DNS-1035 label (what a Service name must be). */
    public static boolean isServiceName(String value) {
        return value != null
                && value.length() <= MAX_DNS_LABEL_LENGTH
                && DNS_1035_LABEL.matcher(value).matches();
    }

    /** Outcome of {@link #parseOrdinal}. */
    public sealed interface OrdinalParse {
        /** A valid ordinal. */
        record Valid(int ordinal) implements OrdinalParse {}

        /** Not an ordinal name; {@code reason} says why, for a denial message. */
        record Invalid(String reason) implements OrdinalParse {}
    }
}
