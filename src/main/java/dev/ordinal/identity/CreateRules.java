package dev.ordinal.identity;

import static dev.ordinal.identity.OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.CREATE_SERVICE_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.EPHEMERAL_VOLUMES_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.MIN_READY_SECONDS_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.ORDERING_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.POLICY_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.PVC_RETENTION_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.RESERVED_ORDINALS_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.SERVICE_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.START_ORDINAL_ANNOTATION;
import static dev.ordinal.identity.SettingsParser.quote;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/** The rules for a pod joining a set on CREATE (SPEC §3.1 step 1 and §3.2 CREATE), shared by both webhooks. */
public final class CreateRules {

    /** At most this many gaps are listed by ordinal in a warning. */
    static final int GAPS_LISTED = 5;

    private CreateRules() {}

    /** Outcome of {@link #prepare}: the pod is a well-formed member request, or a denial. */
    public sealed interface Prepared {
        /**
         * A well-formed request. {@code ordinal} is the pod's ordinal when it is named, or -1 when it has no name
         * yet ({@code generateName}) and Ordinal must choose one.
         */
        record Member(
                String set,
                SetSettings settings,
                int ordinal,
                Map<String, PersistentVolumeClaimTemplate> claimTemplates,
                List<String> claimVolumes)
                implements Prepared {
            /**
             * {@code claimTemplates} is {@code ordinal.dev/claim-templates} parsed (once per review);
             * {@code claimVolumes} the volumes whose per-ordinal claims the pod will mount: its generic ephemeral
             * volumes not kept ephemeral, and the volumes already recorded in {@code claimTemplates}.
             */
            public Member {
                claimTemplates = Collections.unmodifiableSortedMap(new TreeMap<>(claimTemplates));
                claimVolumes = List.copyOf(claimVolumes);
            }

            public boolean named() {
                return ordinal >= 0;
            }

            /** The PVC names member {@code S-n} will use, for the one cache read the adapter makes. */
            public List<String> claimNames(int n) {
                return claimVolumes.stream()
                        .map(volume -> PodNames.claimName(volume, set, n))
                        .toList();
            }
        }

        /** Not a well-formed member request. */
        record Rejected(Decision.Deny deny) implements Prepared {}

        /** The pod carries no set label, so it is not Ordinal's to review (a webhook configured too widely). */
        record NotMember() implements Prepared {}

        /** The answer when this is not a {@link Member}: the denial, or admit unchanged for a non-member. */
        static Decision notAMember(Prepared prepared) {
            return prepared instanceof Rejected rejected ? rejected.deny() : Decision.Allow.unchanged();
        }
    }

    /**
     * Checks everything about a CREATE that does not depend on the cluster: set label, settings annotations,
     * ephemeral-volume list and, when the pod is named, that the name is {@code S-n} with {@code n >= start}.
     */
    public static Prepared prepare(Pod pod) {
        String set = dev.ordinal.identity.Member.setOf(pod);
        if (set == null) {
            return new Prepared.NotMember();
        }
        if (pod.getSpec() == null) {
            return new Prepared.Rejected(Decision.Deny.badRequest("request.object.spec is required for a Pod"));
        }
        SettingsParser.Result parsed =
                SettingsParser.parse(set, pod.getMetadata().getAnnotations());
        if (parsed instanceof SettingsParser.Result.Invalid invalid) {
            return new Prepared.Rejected(Decision.Deny.forbidden(String.join("; ", invalid.problems())));
        }
        SetSettings settings = ((SettingsParser.Result.Valid) parsed).settings();
        Map<String, PersistentVolumeClaimTemplate> templates = ((SettingsParser.Result.Valid) parsed).claimTemplates();
        Optional<String> volumeProblem = ephemeralVolumeProblem(pod, settings);
        if (volumeProblem.isPresent()) {
            return new Prepared.Rejected(Decision.Deny.forbidden(volumeProblem.get()));
        }
        List<String> claimVolumes = new ArrayList<>();
        for (Volume v : PodIdentity.nonNull(pod.getSpec().getVolumes())) {
            if (v.getEphemeral() != null && !settings.ephemeralVolumes().contains(v.getName())) {
                claimVolumes.add(v.getName());
            }
        }
        claimVolumes.addAll(templates.keySet());
        String name = pod.getMetadata().getName();
        if (name == null || name.isEmpty()) {
            return new Prepared.Member(set, settings, -1, templates, claimVolumes);
        }
        if (PodNames.parseOrdinal(set, name) instanceof PodNames.OrdinalParse.Invalid invalid) {
            return new Prepared.Rejected(Decision.Deny.forbidden("metadata.name " + quote(name)
                    + " is not a name of ordinal set " + quote(set) + ": " + invalid.reason() + "; allowed: "
                    + quote(set + "-<n>") + " with n >= " + settings.startOrdinal()
                    + " and no leading zeros, or omit the name and use generateName"));
        }
        int n = PodNames.ordinalOf(set, name);
        if (n < settings.startOrdinal()) {
            return new Prepared.Rejected(Decision.Deny.forbidden("metadata.name " + quote(name) + " has ordinal " + n
                    + ", below " + START_ORDINAL_ANNOTATION + " " + settings.startOrdinal() + "; allowed: "
                    + quote(set + "-<n>") + " with n >= " + settings.startOrdinal()));
        }
        if (settings.reservedOrdinals().contains(n)) {
            return new Prepared.Rejected(Decision.Deny.forbidden("metadata.name " + quote(name) + " has ordinal " + n
                    + ", which annotation " + RESERVED_ORDINALS_ANNOTATION + " "
                    + quote(settings.reservedOrdinals().toString()) + " reserves; allowed: " + quote(set + "-<n>")
                    + " with an ordinal not reserved, or omit the name and use generateName"));
        }
        Optional<Decision.Deny> tooLong = nameTooLong(set, n);
        return tooLong.<Prepared>map(Prepared.Rejected::new)
                .orElseGet(() -> new Prepared.Member(set, settings, n, templates, claimVolumes));
    }

    /**
     * The mutating webhook's CREATE rule (SPEC §3.1) for {@code member}, what {@link #prepare} made of {@code pod}:
     * refused while the caches cannot be trusted; for a generateName pod, the {@code assignment} the reservation
     * made (waiting for a terminating holder, or no ordinal left) and deny-mode ordering; then the identity of
     * {@code S-n} ({@link PodIdentity#mutate}). For a named pod {@code assignment} is its own ordinal.
     */
    public static Decision mutate(Pod pod, Prepared.Member member, Ordinals.Assignment assignment, SetView view) {
        SetSettings s = member.settings();
        Optional<Decision.Deny> unsafe =
                view.health().refusal(s.set(), "an ordinal and the start order cannot be chosen");
        if (unsafe.isPresent()) {
            return unsafe.get();
        }
        if (assignment instanceof Ordinals.Assignment.HeldByTerminating held) {
            return heldByTerminating(s.set(), held.ordinal(), held.holder());
        }
        if (assignment instanceof Ordinals.Assignment.Exhausted) {
            return Decision.Deny.forbidden("set " + s.set() + " has no free ordinal that fits a 32-bit integer");
        }
        int n = ((Ordinals.Assignment.Assigned) assignment).ordinal();
        Optional<Decision.Deny> tooLong = nameTooLong(s.set(), n);
        if (tooLong.isPresent()) {
            return tooLong.get();
        }
        if (!member.named()) {
            // A generateName pod in deny mode is refused here already, before it holds a reservation that would push
            // its retries to a higher ordinal; the validating webhook enforces the same rule for named pods.
            Optional<Decision.Deny> waiting = waitingForPredecessor(s, view.snapshot(), n);
            if (waiting.isPresent()) {
                return waiting.get();
            }
        }
        return PodIdentity.mutate(pod, member, n, view.snapshot(), view.existingClaims()::contains);
    }

    /**
     * The validating webhook's CREATE rule with the cluster read: refused while the caches cannot be trusted, else
     * {@link #validate(Pod, Prepared.Member, SetSnapshot, ServiceFacts)}.
     */
    public static Decision validate(Pod pod, Prepared.Member member, SetView view) {
        Optional<Decision.Deny> unsafe =
                view.health().refusal(member.set(), "the pod cannot be checked against set " + member.set());
        return unsafe.isPresent() ? unsafe.get() : validate(pod, member, view.snapshot(), view.service());
    }

    /** A denial when {@code S-n} is longer than a DNS-1123 label allows. */
    public static Optional<Decision.Deny> nameTooLong(String set, int n) {
        String name = PodNames.podName(set, n);
        if (name.length() <= PodNames.MAX_DNS_LABEL_LENGTH) {
            return Optional.empty();
        }
        return Optional.of(Decision.Deny.forbidden("pod name " + quote(name) + " for ordinal " + n + " of set "
                + quote(set) + " is " + name.length() + " characters; allowed: at most "
                + PodNames.MAX_DNS_LABEL_LENGTH + " (a DNS-1123 label), so shorten label " + OrdinalKeys.SET_LABEL));
    }

    /**
     * With {@code ordering: deny}, a retryable denial naming the ordinal that member {@code n} waits for; empty when
     * it may start now or the set does not use deny ordering.
     */
    public static Optional<Decision.Deny> waitingForPredecessor(SetSettings s, SetSnapshot snapshot, int n) {
        if (!s.denyOrdering()) {
            return Optional.empty();
        }
        OptionalInt waitingFor = snapshot.firstNotReadyBelow(s.startOrdinal(), n, s.reservedOrdinals());
        if (waitingFor.isEmpty()) {
            return Optional.empty();
        }
        int k = waitingFor.getAsInt();
        String predecessor = PodNames.podName(s.set(), k);
        String state = snapshot.holder(k)
                .map(m -> m.terminating()
                        ? "is terminating"
                        : "is not Running and Ready yet (phase " + (m.phase() == null ? "Pending" : m.phase()) + ")")
                .orElse("does not exist yet");
        return Optional.of(Decision.Deny.retryLater(PodNames.podName(s.set(), n) + " waits for " + predecessor + ": "
                + predecessor + " " + state + "; " + ORDERING_ANNOTATION + "=deny admits ordinal " + n
                + " only after every lower ordinal is Running and Ready. Retry later"));
    }

    /** A retryable denial when {@code S-n} is still held by a terminating pod (identity never moves). */
    public static Decision.Deny heldByTerminating(String set, int n, Member holder) {
        return Decision.Deny.retryLater("ordinal " + n + " of set " + quote(set) + " is still held by pod "
                + holder.name() + ", which is terminating; " + PodNames.podName(set, n)
                + " is re-created with the same identity once it is gone. Retry later");
    }

    /**
     * The validating webhook's CREATE rule (SPEC §3.2): name and identity as Ordinal set them, ordinal not held,
     * settings consistent with live members, deny-mode ordering; warnings about gaps and the Service.
     * {@code member} is what {@link #prepare} made of the pod.
     */
    public static Decision validate(Pod pod, Prepared.Member member, SetSnapshot snapshot, ServiceFacts service) {
        SetSettings s = member.settings();
        if (!member.named()) {
            return Decision.Deny.forbidden("metadata.name is empty: the mutating webhook mutate.pods.ordinal.dev did"
                    + " not assign an ordinal; check that Ordinal's MutatingWebhookConfiguration is installed");
        }
        int n = member.ordinal();
        String name = PodNames.podName(s.set(), n);
        List<PodIdentity.OwnedField> conflicts = PodIdentity.conflicts(pod, s, n);
        if (!conflicts.isEmpty()) {
            return PodIdentity.conflictDenial(conflicts, name);
        }
        Optional<Decision.Deny> forged = claimTemplatesProblem(pod, member, n);
        if (forged.isPresent()) {
            return forged.get();
        }
        Optional<Member> holder = snapshot.holder(n);
        if (holder.isPresent()) {
            return holder.get().terminating()
                    ? heldByTerminating(s.set(), n, holder.get())
                    : Decision.Deny.alreadyExists("ordinal " + n + " of set " + quote(s.set())
                            + " is already held by live pod " + holder.get().name() + " (uid "
                            + holder.get().uid()
                            + "); delete it first or create the pod with generateName to get a free ordinal");
        }
        Optional<Member> other = snapshot.disagreeingWith(s);
        if (other.isPresent()) {
            return Decision.Deny.forbidden(
                    "pod " + name + " disagrees with live member " + other.get().name()
                            + " of set " + quote(s.set()) + ": "
                            + difference(s, other.get().settings())
                            + "; all pods of a set must carry the same ordinal.dev/* settings");
        }
        Optional<Decision.Deny> waiting = waitingForPredecessor(s, snapshot, n);
        if (waiting.isPresent()) {
            return waiting.get();
        }
        return new Decision.Allow(null, warnings(s, n, snapshot, service));
    }

    /**
     * Every entry of {@code ordinal.dev/claim-templates} on member {@code S-n} must belong to a volume that mounts
     * exactly its claim {@code <volume>-S-n}: a {@code persistentVolumeClaim} volume with that {@code claimName} (what
     * Ordinal writes, seen again on re-invocation and by the validating webhook) or a generic ephemeral volume, not kept
     * ephemeral, that Ordinal is about to turn into it (and whose template then replaces the entry). Any other entry
     * would make the controller create a claim the pod never mounts. An entry kept for a {@code persistentVolumeClaim}
     * volume is what the controller creates the claim from, so it must be a template the API server accepts. Empty when
     * every entry is fine or there is no annotation. An annotation that is not valid JSON never gets here:
     * {@link #prepare} rejects it.
     */
    public static Optional<Decision.Deny> claimTemplatesProblem(Pod pod, Prepared.Member member, int n) {
        SetSettings s = member.settings();
        Map<String, Volume> volumes = new LinkedHashMap<>();
        for (Volume v : PodIdentity.nonNull(pod.getSpec().getVolumes())) {
            volumes.putIfAbsent(v.getName(), v);
        }
        String podName = PodNames.podName(s.set(), n);
        for (Map.Entry<String, PersistentVolumeClaimTemplate> e :
                member.claimTemplates().entrySet()) {
            String volume = e.getKey();
            String claim = PodNames.claimName(volume, s.set(), n);
            String entry = "annotation " + CLAIM_TEMPLATES_ANNOTATION + ": entry " + quote(volume);
            String allowed = "; allowed: an entry only for a volume that mounts its per-ordinal claim (here volume "
                    + quote(volume) + " with persistentVolumeClaim.claimName " + quote(claim)
                    + ", or a generic ephemeral volume not listed in " + EPHEMERAL_VOLUMES_ANNOTATION
                    + "); Ordinal writes this annotation itself, so remove it from the pod (template)";
            Volume v = volumes.get(volume);
            if (v == null) {
                return Optional.of(Decision.Deny.forbidden(entry + " names no volume of pod " + podName + allowed));
            }
            if (v.getPersistentVolumeClaim() != null) {
                String mounted = v.getPersistentVolumeClaim().getClaimName();
                if (!claim.equals(mounted)) {
                    return Optional.of(Decision.Deny.forbidden(entry + ": volume " + quote(volume) + " of pod "
                            + podName + " mounts claim " + quote(String.valueOf(mounted)) + ", not " + quote(claim)
                            + allowed));
                }
                Optional<String> invalid =
                        ClaimTemplateRules.describe(entry + ": ", "volumeClaimTemplate", e.getValue());
                if (invalid.isPresent()) {
                    return Optional.of(Decision.Deny.forbidden(invalid.get()));
                }
            } else if (v.getEphemeral() != null) {
                if (s.ephemeralVolumes().contains(volume)) {
                    return Optional.of(Decision.Deny.forbidden(entry + ": volume " + quote(volume) + " is listed in "
                            + EPHEMERAL_VOLUMES_ANNOTATION + ", so it stays ephemeral and has no claim" + allowed));
                }
            } else {
                return Optional.of(Decision.Deny.forbidden(entry + ": volume " + quote(volume) + " of pod " + podName
                        + " is neither a persistentVolumeClaim nor a generic ephemeral volume" + allowed));
            }
        }
        return Optional.empty();
    }

    static List<String> warnings(SetSettings s, int n, SetSnapshot snapshot, ServiceFacts service) {
        List<String> warnings = new ArrayList<>();
        long gaps = snapshot.gapCountBelow(s.startOrdinal(), n)
                - s.reservedOrdinals().countIn(s.startOrdinal(), n);
        if (gaps > 0) {
            List<String> listed = new ArrayList<>();
            int k = snapshot.firstGapFrom(s.startOrdinal(), s.reservedOrdinals());
            while (k >= 0 && k < n && listed.size() < GAPS_LISTED) {
                listed.add(Integer.toString(k));
                k = k == Integer.MAX_VALUE ? -1 : snapshot.firstGapFrom(k + 1, s.reservedOrdinals());
            }
            warnings.add("set " + s.set() + " has " + gaps + " ordinal(s) below " + n + " with no live pod ("
                    + String.join(", ", listed) + (gaps > listed.size() ? ", …" : "") + ")");
        }
        if (!service.exists()) {
            warnings.add(
                    s.createService()
                            ? "headless Service " + s.service()
                                    + " does not exist yet; the Ordinal controller creates it"
                            : "headless Service " + s.service() + " does not exist and " + CREATE_SERVICE_ANNOTATION
                                    + "=false: DNS name " + PodNames.podName(s.set(), n) + "." + s.service()
                                    + " will not resolve until you create it");
        } else {
            if (!service.headless()) {
                warnings.add("Service " + s.service() + " is not headless (spec.clusterIP is not None): per-pod DNS"
                        + " records like " + PodNames.podName(s.set(), n) + "." + s.service()
                        + " need clusterIP: None");
            }
            if (!service.selectsSet()) {
                warnings.add("Service " + s.service() + " does not select " + OrdinalKeys.SET_LABEL + "=" + s.set()
                        + ": it publishes no DNS records for this set's pods");
            }
        }
        return warnings;
    }

    /** Names the first setting in which {@code mine} and {@code theirs} differ, for a denial message. */
    static String difference(SetSettings mine, SetSettings theirs) {
        record Field(String annotation, Function<SetSettings, Object> value) {}
        List<Field> fields = List.of(
                new Field(SERVICE_ANNOTATION, SetSettings::service),
                new Field(POLICY_ANNOTATION, SetSettings::policy),
                new Field(ORDERING_ANNOTATION, SetSettings::ordering),
                new Field(START_ORDINAL_ANNOTATION, SetSettings::startOrdinal),
                new Field(EPHEMERAL_VOLUMES_ANNOTATION, x -> String.join(",", x.ephemeralVolumes())),
                new Field(CREATE_SERVICE_ANNOTATION, SetSettings::createService),
                new Field(MIN_READY_SECONDS_ANNOTATION, SetSettings::minReadySeconds),
                new Field(
                        RESERVED_ORDINALS_ANNOTATION, x -> x.reservedOrdinals().toString()),
                new Field(PVC_RETENTION_ANNOTATION, SetSettings::retention));
        for (Field f : fields) {
            Object a = f.value().apply(mine);
            Object b = f.value().apply(theirs);
            if (!a.equals(b)) {
                return f.annotation() + " is " + quote(a.toString()) + " here but " + quote(b.toString()) + " there";
            }
        }
        return "settings differ";
    }

    /**
     * Every name in {@code ordinal.dev/ephemeral-volumes} must be a generic ephemeral volume of the pod, every generic
     * ephemeral volume must be named by a DNS-1123 label, and every one Ordinal turns into a claim must have a template
     * the API server would accept ({@link ClaimTemplateRules}): the API server validates only after mutation, when the
     * volume is already a PVC, so an invalid template would reach the controller's PVC create.
     */
    static Optional<String> ephemeralVolumeProblem(Pod pod, SetSettings s) {
        Set<String> ephemeral = new TreeSet<>();
        for (Volume v : PodIdentity.nonNull(pod.getSpec().getVolumes())) {
            if (v.getEphemeral() != null) {
                // Ordinal names claim <volume>-S-n after it and keys the claim-templates annotation by it, so the name
                // must be what the API server will require of it anyway (it validates only after mutation).
                if (!PodNames.isDnsLabel(v.getName())) {
                    return Optional.of("volume " + (v.getName() == null ? "without a name" : quote(v.getName()))
                            + " is a generic ephemeral volume whose name is not a DNS-1123 label; allowed: lowercase"
                            + " letters, digits and '-', starting and ending with a letter or digit, at most "
                            + PodNames.MAX_DNS_LABEL_LENGTH + " characters");
                }
                ephemeral.add(v.getName());
                if (!s.ephemeralVolumes().contains(v.getName())) {
                    // The API server would validate the template in the pod; once Ordinal has made the volume a PVC
                    // reference it never sees it, and an invalid one would fail the controller's PVC create for ever.
                    Optional<String> invalid = ClaimTemplateRules.describe(
                            "volume " + quote(v.getName()) + ": ",
                            "ephemeral.volumeClaimTemplate",
                            v.getEphemeral().getVolumeClaimTemplate());
                    if (invalid.isPresent()) {
                        return invalid;
                    }
                }
            }
        }
        for (String name : s.ephemeralVolumes()) {
            if (!ephemeral.contains(name)) {
                return Optional.of("annotation " + EPHEMERAL_VOLUMES_ANNOTATION + ": " + quote(name)
                        + " is not a generic ephemeral volume of this pod; allowed: "
                        + (ephemeral.isEmpty()
                                ? "none (the pod has no volumes[].ephemeral)"
                                : String.join(", ", ephemeral)));
            }
        }
        return Optional.empty();
    }
}
