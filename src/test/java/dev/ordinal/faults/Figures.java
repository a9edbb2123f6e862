package dev.ordinal.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures the fault tests measure, kept in {@code target/reliability/faults.txt} as {@code key: value} lines, one
 * per figure, sorted: a re-run of one test replaces its own lines and keeps the others.
 */
final class Figures {

    static final Path FILE = Path.of("target/reliability/faults.txt");

    private Figures() {}

    /** Records {@code key: value}. */
    static synchronized void record(String key, String value) {
        try {
            Files.createDirectories(FILE.getParent());
            Map<String, String> all = new TreeMap<>();
            if (Files.exists(FILE)) {
                for (String line : Files.readAllLines(FILE)) {
                    int colon = line.indexOf(": ");
                    if (colon > 0) {
                        all.put(line.substring(0, colon), line.substring(colon + 2));
                    }
                }
            }
            all.put(key, value);
            List<String> lines = new ArrayList<>();
            all.forEach((k, v) -> lines.add(k + ": " + v));
            Files.write(FILE, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("[faults] " + key + ": " + value);
    }

    /** Records a duration in seconds with one decimal. */
    static void record(String key, Duration d) {
        record(key, seconds(d));
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    /** Time since {@code startNanos} ({@link System#nanoTime()}). */
    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
