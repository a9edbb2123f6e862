package dev.ordinal.identity;

import java.util.Arrays;
import java.util.List;

/** The entries of a comma-separated annotation value, as the list-valued {@code ordinal.dev/*} settings use them. */
final class CommaList {

    private CommaList() {}

    /**
     * The entries of {@code raw}, each trimmed; none for null or blank (a template engine renders an unset value as
     * ""). Empty entries ({@code "a,,b"}, {@code "a,"}) are kept, so the caller refuses them with its own message.
     */
    static List<String> entries(String raw) {
        if (raw == null || raw.isBlank()) {
            return List.of();
        }
        return Arrays.stream(raw.split(",", -1)).map(String::trim).toList();
    }
}
