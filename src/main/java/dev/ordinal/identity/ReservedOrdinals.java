package dev.ordinal.identity;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The ordinals a set never uses ({@code ordinal.dev/reserved-ordinals: "1,5-7"}, as OpenKruise's
 * {@code reserveOrdinals}): skipped by assignment, not awaited by ordered start, denied as explicit names. Kept as
 * sorted, merged, disjoint ranges, never one entry per ordinal, so {@code 0-9999} costs what {@code 3} costs. Two
 * values that reserve the same ordinals are equal ({@code "5-7,1"} equals {@code "1,5,6,7"}).
 */
public final class ReservedOrdinals implements OrdinalSet {

    /** At most this many comma-separated entries. */
    public static final int MAX_ENTRIES = 100;
    /** A range {@code a-b} may cover at most this many ordinals. */
    public static final int MAX_RANGE_SIZE = 10_000;

    /** Reserves nothing (the default). */
    public static final ReservedOrdinals NONE = new ReservedOrdinals(new int[0], new int[0]);

    private static final Pattern DECIMAL = Pattern.compile("0|[1-9][0-9]{0,9}");

    private final int[] starts;
    private final int[] ends;

    private ReservedOrdinals(int[] starts, int[] ends) {
        this.starts = starts;
        this.ends = ends;
    }

    /** Parses {@code "1,5-7"}; blank means none. */
    public static Parsed<ReservedOrdinals> parse(String raw) {
        List<String> entries = CommaList.entries(raw);
        if (entries.isEmpty()) {
            return new Parsed.Valid<>(NONE);
        }
        String allowed = "; allowed: a comma-separated list of ordinals and ranges a-b (a <= b, decimal, no leading"
                + " zeros), at most " + MAX_ENTRIES + " entries, each range covering at most " + MAX_RANGE_SIZE
                + " ordinals";
        if (entries.size() > MAX_ENTRIES) {
            return new Parsed.Invalid<>("has " + entries.size() + " entries" + allowed);
        }
        List<long[]> ranges = new ArrayList<>();
        for (String entry : entries) {
            int dash = entry.indexOf('-');
            String a = dash < 0 ? entry : entry.substring(0, dash);
            String b = dash < 0 ? entry : entry.substring(dash + 1);
            if (!DECIMAL.matcher(a).matches() || !DECIMAL.matcher(b).matches()) {
                return new Parsed.Invalid<>(
                        "entry " + SettingsParser.quote(entry) + " is not an ordinal or a range" + allowed);
            }
            long from = Long.parseLong(a);
            long to = Long.parseLong(b);
            if (to > Integer.MAX_VALUE) {
                return new Parsed.Invalid<>(
                        "entry " + SettingsParser.quote(entry) + " is above " + Integer.MAX_VALUE + allowed);
            }
            if (from > to) {
                return new Parsed.Invalid<>(
                        "entry " + SettingsParser.quote(entry) + " ends before it starts" + allowed);
            }
            if (to - from + 1 > MAX_RANGE_SIZE) {
                return new Parsed.Invalid<>("entry " + SettingsParser.quote(entry) + " covers " + (to - from + 1)
                        + " ordinals, more than " + MAX_RANGE_SIZE + allowed);
            }
            ranges.add(new long[] {from, to});
        }
        ranges.sort((x, y) -> Long.compare(x[0], y[0]));
        List<long[]> merged = new ArrayList<>();
        for (long[] r : ranges) {
            long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && r[0] <= last[1] + 1) {
                last[1] = Math.max(last[1], r[1]);
            } else {
                merged.add(new long[] {r[0], r[1]});
            }
        }
        int[] s = new int[merged.size()];
        int[] e = new int[merged.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = (int) merged.get(i)[0];
            e[i] = (int) merged.get(i)[1];
        }
        return new Parsed.Valid<>(new ReservedOrdinals(s, e));
    }

    /** True when nothing is reserved. */
    public boolean isEmpty() {
        return starts.length == 0;
    }

    @Override
    public boolean contains(int ordinal) {
        int i = rangeAtOrBefore(ordinal);
        return i >= 0 && ends[i] >= ordinal;
    }

    @Override
    public int firstAbsentFrom(int from) {
        int i = rangeAtOrBefore(from);
        if (i < 0 || ends[i] < from) {
            return from;
        }
        // Ranges are merged, so the ordinal after this range is free.
        return ends[i] == Integer.MAX_VALUE ? -1 : ends[i] + 1;
    }

    /** How many reserved ordinals lie in {@code [from, to)}. */
    public long countIn(int from, int to) {
        long count = 0;
        for (int i = 0; i < starts.length; i++) {
            long lo = Math.max(starts[i], from);
            long hi = Math.min((long) ends[i], (long) to - 1);
            if (hi >= lo) {
                count += hi - lo + 1;
            }
        }
        return count;
    }

    /**
     * The ordinal just above the first {@code count} ordinals from {@code start} that are not reserved: a set of
     * {@code count} replicas uses the ordinals below it. Saturates at {@link Integer#MAX_VALUE}.
     */
    public int endOfFirstFree(int start, int count) {
        long n = start;
        long remaining = count;
        for (int i = 0; i < starts.length && remaining > 0; i++) {
            if (ends[i] < n) {
                continue;
            }
            long free = Math.max(0, starts[i] - n);
            if (free >= remaining) {
                break;
            }
            remaining -= free;
            n = (long) ends[i] + 1;
        }
        return (int) Math.min(Integer.MAX_VALUE, n + remaining);
    }

    /** Index of the last range starting at or before {@code ordinal}, or -1. */
    private int rangeAtOrBefore(int ordinal) {
        int i = Arrays.binarySearch(starts, ordinal);
        return i >= 0 ? i : -i - 2;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReservedOrdinals r && Arrays.equals(starts, r.starts) && Arrays.equals(ends, r.ends);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(starts) + Arrays.hashCode(ends);
    }

    /** The canonical form, {@code "1,5-7"} ({@code ""} for none). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < starts.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(starts[i]);
            if (ends[i] != starts[i]) {
                sb.append('-').append(ends[i]);
            }
        }
        return sb.toString();
    }
}
