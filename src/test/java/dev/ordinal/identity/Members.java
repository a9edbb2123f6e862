package dev.ordinal.identity;

import java.time.Instant;
import java.util.List;

/** Fixture for {@link Member} records, built directly so snapshot tests can use any ordinal cheaply. */
public final class Members {

    static final SetSettings WEB = Settings.of("web");

    private Members() {}

    /** Live, Running and Ready. */
    public static Member ready(int n) {
        return new Member(
                PodNames.podName("web", n),
                "uid-" + n,
                n,
                false,
                "Running",
                true,
                Instant.parse("2029-12-31T23:59:00Z"),
                WEB,
                List.of(),
                null);
    }

    /** Live but Pending (not Running and Ready). */
    public static Member pending(int n) {
        return new Member(
                PodNames.podName("web", n), "uid-" + n, n, false, "Pending", false, null, WEB, List.of(), null);
    }

    /** Terminating; odd on purpose it still claims Running and Ready, which a terminating pod must not count as. */
    public static Member terminating(int n) {
        return new Member(PodNames.podName("web", n), "uid-" + n, n, true, "Running", true, null, WEB, List.of(), null);
    }

    /** A member whose name is not {@code web-n} (created before Ordinal was installed). */
    public static Member unnamed(String name) {
        return new Member(name, "uid-" + name, -1, false, "Running", true, null, WEB, List.of(), null);
    }

    /** A live, ready member with other settings. */
    public static Member withSettings(int n, SetSettings settings) {
        return new Member(
                PodNames.podName(settings.set(), n),
                "uid-" + n,
                n,
                false,
                "Running",
                true,
                null,
                settings,
                List.of(),
                null);
    }
}
