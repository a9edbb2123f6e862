package dev.ordinal.support;

import dev.ordinal.identity.OrdinalKeys;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one judge of OrderedReady start order in the tests: it watches the observed states of one set's pods, step
 * after step, and reports every violation of StatefulSet's ordered start. Written from the rule as StatefulSet states
 * it, not from {@code plan.OrderedStart}: it reads raw pod fields (name, deletion timestamp, scheduling gates, phase
 * and Ready condition) and calls none of the main code's rules, so a bug there cannot hide here.
 *
 * <ul>
 * <li>a pod of ordinal {@code n} is released (appears without {@code ordinal.dev/ordered}, or loses it) or becomes
 * Ready only while every lower ordinal from the start ordinal up, reserved ones skipped, has a live pod that is
 * Running and Ready;
 * <li>at most one pod of the set is starting at a time: live, released, not Ready and never Ready before.
 * </ul>
 *
 * Feed it whole observations with {@link #observe}; a checker that sees one changed pod at a time can ask each rule
 * alone ({@link #judgeTransition}, {@link #judgeStarting}).
 */
public final class OrderedStartOracle {

    /** What the oracle reads of one pod at one moment. {@code ordinal} is -1 when the name is not {@code set-n}. */
    public record PodState(String uid, String name, int ordinal, boolean gated, boolean ready, boolean terminating) {

        /** Read from the raw fields of {@code pod} of set {@code set}. */
        public static PodState of(String set, Pod pod) {
            String name = pod.getMetadata().getName();
            return new PodState(
                    pod.getMetadata().getUid() != null ? pod.getMetadata().getUid() : name,
                    name,
                    ordinalOf(set, name),
                    hasOrderedGate(pod),
                    runningAndReady(pod),
                    pod.getMetadata().getDeletionTimestamp() != null);
        }
    }

    private static final Pattern DIGITS = Pattern.compile("0|[1-9][0-9]{0,9}");

    private final String set;
    private final int start;
    private final Set<Integer> reserved;
    private final Map<String, PodState> previous = new HashMap<>();
    private final Set<String> everReady = new HashSet<>();

    /** An oracle for OrderedReady set {@code set} starting at {@code start}, with {@code reserved} ordinals skipped. */
    public OrderedStartOracle(String set, int start, Set<Integer> reserved) {
        this.set = set;
        this.start = start;
        this.reserved = Set.copyOf(reserved);
    }

    /** An oracle for set {@code set} from ordinal 0 with nothing reserved. */
    public static OrderedStartOracle forSet(String set) {
        return new OrderedStartOracle(set, 0, Set.of());
    }

    /** Counts the pods of {@code uids} as having been Ready before the first observation. */
    public OrderedStartOracle knownReady(Collection<String> uids) {
        everReady.addAll(uids);
        return this;
    }

    /**
     * Judges the next observation of the set's pods (the first one: every pod in it is new). A pod is released in
     * this step when it is new and ungated or was gated in the last observation; it became Ready likewise.
     */
    public List<String> observe(Collection<PodState> now) {
        List<String> violations = new ArrayList<>();
        Map<Integer, PodState> live = live(now);
        for (PodState p : now) {
            if (!p.terminating() && p.ordinal() >= 0) {
                checkTransition(previous.get(p.uid()), p, live, violations);
            }
        }
        remember(now);
        checkStarting(live, violations);
        return violations;
    }

    /** {@link #observe} on pods read with {@link PodState#of}; pods of other sets are ignored. */
    public List<String> observePods(Collection<Pod> pods) {
        return observe(states(pods));
    }

    /**
     * The release rule alone, for one step in which only the pod {@code before} → {@code after} changed (null
     * {@code before}: created), with {@code now} the set's pods after the step. Remembers nothing.
     */
    public List<String> judgeTransition(Collection<PodState> now, PodState before, PodState after) {
        List<String> violations = new ArrayList<>();
        if (after != null && !after.terminating() && after.ordinal() >= 0) {
            checkTransition(before, after, live(now), violations);
        }
        return violations;
    }

    /** The one-starting-at-a-time rule alone, on the state {@code now}. Remembers nothing. */
    public List<String> judgeStarting(Collection<PodState> now) {
        List<String> violations = new ArrayList<>();
        now.stream().filter(PodState::ready).forEach(p -> everReady.add(p.uid()));
        checkStarting(live(now), violations);
        return violations;
    }

    /** The states of the pods of this set among {@code pods}. */
    public List<PodState> states(Collection<Pod> pods) {
        return pods.stream()
                .filter(p -> p.getMetadata().getLabels() != null
                        && set.equals(p.getMetadata().getLabels().get(OrdinalKeys.SET_LABEL)))
                .map(p -> PodState.of(set, p))
                .toList();
    }

    private void checkTransition(PodState before, PodState after, Map<Integer, PodState> live, List<String> out) {
        boolean released = !after.gated() && (before == null || before.gated());
        boolean becameReady = after.ready() && (before == null || !before.ready());
        if (!released && !becameReady) {
            return;
        }
        for (int k = start; k < after.ordinal(); k++) {
            if (reserved.contains(k)) {
                continue;
            }
            PodState lower = live.get(k);
            if (lower == null || !lower.ready()) {
                String what = becameReady
                        ? " became Ready"
                        : before == null
                                ? " was created without " + OrdinalKeys.ORDERED_GATE
                                : " was released from " + OrdinalKeys.ORDERED_GATE;
                out.add(after.name() + what + " while " + set + "-" + k
                        + (lower == null ? " does not exist" : " is not Running and Ready"));
                return;
            }
        }
    }

    private void checkStarting(Map<Integer, PodState> live, List<String> out) {
        List<String> starting = live.values().stream()
                .filter(p -> !p.gated() && !p.ready() && !everReady.contains(p.uid()))
                .map(PodState::name)
                .toList();
        if (starting.size() > 1) {
            out.add("set " + set + " has " + starting.size() + " pods starting at once under OrderedReady: "
                    + starting);
        }
    }

    private void remember(Collection<PodState> now) {
        for (PodState p : now) {
            previous.put(p.uid(), p);
            if (p.ready()) {
                everReady.add(p.uid());
            }
        }
    }

    /** Live pods by ordinal; the first one wins if two hold one (a different invariant reports that). */
    private static Map<Integer, PodState> live(Collection<PodState> now) {
        Map<Integer, PodState> live = new TreeMap<>();
        for (PodState p : now) {
            if (!p.terminating() && p.ordinal() >= 0) {
                live.putIfAbsent(p.ordinal(), p);
            }
        }
        return live;
    }

    /** The ordinal of {@code name} in {@code set}, or -1 when it is not {@code set-n}. */
    public static int ordinalOf(String set, String name) {
        if (name == null || !name.startsWith(set + "-")) {
            return -1;
        }
        Matcher m = DIGITS.matcher(name.substring(set.length() + 1));
        if (!m.matches()) {
            return -1;
        }
        long n = Long.parseLong(m.group());
        return n > Integer.MAX_VALUE ? -1 : (int) n;
    }

    /** Phase Running and condition Ready=True, read from the raw status. */
    public static boolean runningAndReady(Pod pod) {
        if (pod.getStatus() == null || !"Running".equals(pod.getStatus().getPhase())) {
            return false;
        }
        List<PodCondition> conditions = pod.getStatus().getConditions();
        return conditions != null
                && conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static boolean hasOrderedGate(Pod pod) {
        return pod.getSpec() != null
                && pod.getSpec().getSchedulingGates() != null
                && pod.getSpec().getSchedulingGates().stream()
                        .map(PodSchedulingGate::getName)
                        .anyMatch(OrdinalKeys.ORDERED_GATE::equals);
    }
}
