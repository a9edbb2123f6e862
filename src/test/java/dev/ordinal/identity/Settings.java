package dev.ordinal.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

/** Fixture for {@link SetSettings}, made through {@link SettingsParser} so they are always ones a pod can carry. */
public final class Settings {

    private Settings() {}

    /** The settings of set {@code set} with annotations given as key, value, key, value, … */
    public static SetSettings of(String set, String... annotationPairs) {
        SettingsParser.Result result = SettingsParser.parse(set, annotations(annotationPairs));
        assertThat(result)
                .as("fixture settings for %s %s: got %s, want Valid", set, String.join(" ", annotationPairs), result)
                .isInstanceOf(SettingsParser.Result.Valid.class);
        return ((SettingsParser.Result.Valid) result).settings();
    }

    public static Map<String, String> annotations(String... pairs) {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("key, value pairs expected");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
