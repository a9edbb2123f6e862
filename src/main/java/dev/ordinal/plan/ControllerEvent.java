package dev.ordinal.plan;

import static dev.ordinal.identity.OrdinalKeys.CLAIMS_GATE;
import static dev.ordinal.identity.OrdinalKeys.MIN_READY_SECONDS_ANNOTATION;
import static dev.ordinal.identity.OrdinalKeys.ORDERED_GATE;
import static dev.ordinal.identity.OrdinalKeys.SET_LABEL;

import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.identity.PodNames;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An Event the controller records (core v1 {@code Event} type, reason, message), with every text written once here.
 * Messages name the objects involved and, for waits, the blocking ordinal {@code S-k}.
 */
public record ControllerEvent(Type type, String reason, String message) {

    /** Kubernetes Event types. */
    public enum Type {
        Normal,
        Warning
    }

    /** The {@code ordinal.dev/ordered} gate was lifted. */
    public static final String ORDINAL_GATE_RELEASED = "OrdinalGateReleased";
    /** A gated pod waits for a lower ordinal; the message names it. */
    public static final String WAITING_FOR_PREDECESSOR = "WaitingForPredecessor";
    /** A per-ordinal PVC was created. */
    public static final String CLAIM_CREATED = "ClaimCreated";
    /** A per-ordinal PVC already existed and is used as it is. */
    public static final String CLAIM_REUSED = "ClaimReused";
    /** A per-ordinal PVC is being deleted; the pod waits until it is gone. */
    public static final String CLAIM_TERMINATING = "ClaimTerminating";
    /** The claim templates annotation cannot be used; the pod keeps the claims gate. */
    public static final String CLAIM_TEMPLATES_INVALID = "ClaimTemplatesInvalid";
    /** The {@code ordinal.dev/claims} gate was lifted. */
    public static final String CLAIMS_GATE_RELEASED = "ClaimsGateReleased";
    /** The headless Service was created. */
    public static final String SERVICE_CREATED = "ServiceCreated";
    /** The Service the set names exists but is not headless. */
    public static final String SERVICE_NOT_HEADLESS = "ServiceNotHeadless";
    /** The Service the set names exists but does not select the set. */
    public static final String SERVICE_SELECTOR_MISMATCH = "ServiceSelectorMismatch";

    /** A gated member waiting above a lost ordinal was deleted so its owner re-creates it there (SPEC §7.1). */
    public static final String ORDINAL_GAP_RECYCLED = "OrdinalGapRecycled";
    /** A gated member without a controller owner waits above a lost ordinal; the message says how to fix it. */
    public static final String ORDINAL_GAP_STUCK = "OrdinalGapStuck";
    /** A write of the controller failed; the message names the HTTP code and the API server's message. */
    public static final String WRITE_FAILED = "WriteFailed";

    /** A claim's storage request was raised to what its template asks for. */
    public static final String CLAIM_RESIZED = "ClaimResized";
    /** A claim's template asks for more storage but its StorageClass does not allow expansion. */
    public static final String CLAIM_NOT_EXPANDABLE = "ClaimNotExpandable";
    /** A claim's template asks for less storage than the claim has; claims never shrink. */
    public static final String CLAIM_SHRINK_REFUSED = "ClaimShrinkRefused";
    /** A claim's ownerReferences were changed for {@code ordinal.dev/pvc-retention} whenDeleted. */
    public static final String CLAIM_RETENTION_UPDATED = "ClaimRetentionUpdated";
    /** A claim above the owner's desired size was deleted (whenScaled=Delete). */
    public static final String CLAIM_DELETED = "ClaimDeleted";
    /** whenDeleted/whenScaled=Delete on a set Ordinal finds no single top-level owner for. */
    public static final String RETENTION_NO_OWNER = "RetentionWithoutOwner";

    /** Every reason, for documentation and tests. */
    public static final List<String> REASONS = List.of(
            ORDINAL_GATE_RELEASED,
            WAITING_FOR_PREDECESSOR,
            CLAIM_CREATED,
            CLAIM_REUSED,
            CLAIM_TERMINATING,
            CLAIM_TEMPLATES_INVALID,
            CLAIMS_GATE_RELEASED,
            SERVICE_CREATED,
            SERVICE_NOT_HEADLESS,
            SERVICE_SELECTOR_MISMATCH,
            ORDINAL_GAP_RECYCLED,
            ORDINAL_GAP_STUCK,
            WRITE_FAILED,
            CLAIM_RESIZED,
            CLAIM_NOT_EXPANDABLE,
            CLAIM_SHRINK_REFUSED,
            CLAIM_RETENTION_UPDATED,
            CLAIM_DELETED,
            RETENTION_NO_OWNER);

    /** The ordered gate of {@code r.pod()} was lifted. */
    public static ControllerEvent gateReleased(String set, OrderedStart.Release r) {
        String why;
        if (r.parallel()) {
            why = "set " + set + " uses pod-management-policy Parallel, so it does not wait for other ordinals";
        } else if (r.ordinal() <= r.start()) {
            why = "it is the first ordinal of set " + set;
        } else if (r.ordinal() - 1 == r.start()) {
            why = PodNames.podName(set, r.start()) + " is Running and Ready";
        } else {
            why = "every lower ordinal (" + PodNames.podName(set, r.start()) + " to "
                    + PodNames.podName(set, r.ordinal() - 1) + ") is Running and Ready";
        }
        return new ControllerEvent(
                Type.Normal,
                ORDINAL_GATE_RELEASED,
                "Removed scheduling gate " + ORDERED_GATE + " from " + r.pod() + ": " + why);
    }

    /** {@code w.pod()} keeps the ordered gate because of {@code w.awaitedPod()}. */
    public static ControllerEvent waiting(OrderedStart.Wait w) {
        String state = switch (w.blocker()) {
            case MISSING -> "does not exist (waiting for it to be created or re-created)";
            case TERMINATING -> "is terminating (waiting for its replacement)";
            case NOT_READY ->
                "is not Running and Ready yet" + (w.awaitedPhase() == null ? "" : " (phase " + w.awaitedPhase() + ")");
            case MIN_READY ->
                "is Ready but not yet for " + MIN_READY_SECONDS_ANNOTATION + " ("
                        + Math.max(1, (w.remaining().toMillis() + 999) / 1000) + "s left)";
        };
        return new ControllerEvent(
                Type.Normal,
                WAITING_FOR_PREDECESSOR,
                w.pod() + " waits for " + w.awaitedPod()
                        + ": " + w.awaitedPod() + " " + state + "; OrderedReady starts ordinal " + w.ordinal()
                        + " only after every lower ordinal is Running and Ready");
    }

    /** PVC {@code claim} was created for {@code pod}. */
    public static ControllerEvent claimCreated(String pod, ClaimPlan.Claim claim) {
        return new ControllerEvent(
                Type.Normal,
                CLAIM_CREATED,
                "Created PersistentVolumeClaim " + claim.name() + " for volume " + claim.volume() + " of " + pod);
    }

    /** Claim {@code claim} of {@code pod} was raised from {@code from} to {@code to}. */
    public static ControllerEvent claimResized(String pod, String claim, String from, String to) {
        return new ControllerEvent(
                Type.Normal,
                CLAIM_RESIZED,
                "Raised the storage request of PersistentVolumeClaim " + claim + " of " + pod + " from " + from + " to "
                        + to + ", as its claim template asks");
    }

    /** Claim {@code claim} cannot grow: its StorageClass does not allow expansion. */
    public static ControllerEvent claimNotExpandable(
            String pod, String claim, String storageClass, String from, String to) {
        return new ControllerEvent(
                Type.Warning,
                CLAIM_NOT_EXPANDABLE,
                claimKept(
                        pod,
                        claim,
                        from,
                        to,
                        " and its StorageClass " + (storageClass == null ? "(none)" : storageClass)
                                + " does not set allowVolumeExpansion: true; "));
    }

    /** Claim {@code claim} is larger than the template asks; never shrunk. */
    public static ControllerEvent claimShrinkRefused(String pod, String claim, String from, String to) {
        return new ControllerEvent(
                Type.Warning, CLAIM_SHRINK_REFUSED, claimKept(pod, claim, from, to, "; claims are never shrunk, "));
    }

    /**
     * The claim of {@code pod} stays at {@code from} though its template asks for {@code to}; {@code why} stands
     * between the sizes and the pod's name, punctuation included.
     */
    private static String claimKept(String pod, String claim, String from, String to, String why) {
        return "The claim template of " + pod + " asks for " + to + " but PersistentVolumeClaim " + claim + " has "
                + from + why + pod + " runs on the claim as it is";
    }

    /** The ownerReferences of {@code claim} follow {@code retention}. */
    public static ControllerEvent claimRetentionUpdated(String claim, String retention, String owner, boolean added) {
        return new ControllerEvent(
                Type.Normal,
                CLAIM_RETENTION_UPDATED,
                (added
                                ? "PersistentVolumeClaim " + claim + " is now owned by " + owner
                                        + " and is deleted with it"
                                : "PersistentVolumeClaim " + claim + " is no longer owned by " + owner
                                        + " and outlives it")
                        + " (" + OrdinalKeys.PVC_RETENTION_ANNOTATION + ": " + retention + ")");
    }

    /** {@code claim} (ordinal {@code ordinal}) was deleted because the owner wants fewer replicas. */
    public static ControllerEvent claimDeleted(String claim, int ordinal, String owner, int keepBelow) {
        return new ControllerEvent(
                Type.Normal,
                CLAIM_DELETED,
                "Deleted PersistentVolumeClaim " + claim + ": "
                        + owner + " keeps ordinals below " + keepBelow + " and no pod holds ordinal " + ordinal + " ("
                        + OrdinalKeys.PVC_RETENTION_ANNOTATION + " whenScaled=Delete)");
    }

    /** A Delete retention policy cannot be applied: no single top-level owner. */
    public static ControllerEvent retentionWithoutOwner(String pod, String retention, String why) {
        return new ControllerEvent(
                Type.Warning,
                RETENTION_NO_OWNER,
                OrdinalKeys.PVC_RETENTION_ANNOTATION + " " + retention + " on " + pod + " is not applied: " + why
                        + "; its claims are kept");
    }

    /** PVC {@code claim} existed and is reused untouched. */
    public static ControllerEvent claimReused(String pod, ClaimPlan.Claim claim) {
        return new ControllerEvent(
                Type.Normal,
                CLAIM_REUSED,
                "Reusing existing PersistentVolumeClaim " + claim.name() + " for volume " + claim.volume() + " of "
                        + pod + " as it is (not modified)");
    }

    /** PVC {@code claim} is being deleted, so {@code pod} keeps the claims gate. */
    public static ControllerEvent claimTerminating(String pod, ClaimPlan.Claim claim) {
        return new ControllerEvent(
                Type.Warning,
                CLAIM_TERMINATING,
                "PersistentVolumeClaim " + claim.name()
                        + " for volume " + claim.volume() + " of " + pod + " is being deleted; " + pod
                        + " keeps scheduling gate " + CLAIMS_GATE + " until it is gone and a new claim is created");
    }

    /** The claims of {@code pod} cannot be worked out. */
    public static ControllerEvent claimTemplatesInvalid(String pod, String reason) {
        return new ControllerEvent(
                Type.Warning,
                CLAIM_TEMPLATES_INVALID,
                reason + "; " + pod + " keeps scheduling gate " + CLAIMS_GATE
                        + " (delete and re-create the pod through the webhook)");
    }

    /** The claims gate of {@code pod} was lifted; {@code claims} are its PVC names. */
    public static ControllerEvent claimsGateReleased(String pod, List<String> claims) {
        return new ControllerEvent(
                Type.Normal,
                CLAIMS_GATE_RELEASED,
                "Removed scheduling gate " + CLAIMS_GATE
                        + " from " + pod + ": "
                        + (claims.isEmpty()
                                ? "it has no per-ordinal claims"
                                : "its claims exist (" + String.join(", ", claims) + ")"));
    }

    /** The headless Service {@code service} was created for set {@code set} with {@code ports} ports. */
    public static ControllerEvent serviceCreated(String service, String set, int ports) {
        return new ControllerEvent(
                Type.Normal,
                SERVICE_CREATED,
                "Created headless Service " + service
                        + " for ordinal set " + set + " (clusterIP: None, selector " + SET_LABEL + "=" + set
                        + ", publishNotReadyAddresses, " + ports + " port(s))");
    }

    /** Service {@code service} exists but is not headless ({@code clusterIP}). */
    public static ControllerEvent serviceNotHeadless(String service, String clusterIp, String pod) {
        return new ControllerEvent(
                Type.Warning,
                SERVICE_NOT_HEADLESS,
                "Service " + service
                        + " is not headless (spec.clusterIP is " + (clusterIp == null ? "unset" : clusterIp)
                        + ", not None), so DNS name " + pod + "." + service
                        + " does not resolve; Ordinal never changes an"
                        + " existing Service: recreate it with clusterIP: None");
    }

    /** Service {@code service} exists but its {@code selector} does not pick set {@code set}. */
    public static ControllerEvent serviceSelectorMismatch(String service, String set, Map<String, String> selector) {
        return new ControllerEvent(
                Type.Warning,
                SERVICE_SELECTOR_MISMATCH,
                "Service " + service
                        + " does not select " + SET_LABEL + "=" + set + " (selector "
                        + (selector == null || selector.isEmpty() ? "none" : new TreeMap<>(selector))
                        + "), so it publishes no DNS records for this set's pods;"
                        + " Ordinal never changes an existing Service");
    }

    /** {@code r.pod()} was deleted because ordinal {@code r.gap()} below it was lost. */
    public static ControllerEvent gapRecycled(String set, String namespace, GapHealing.Recycle r) {
        return new ControllerEvent(
                Type.Normal,
                ORDINAL_GAP_RECYCLED,
                "Deleted " + r.pod() + " (never started, "
                        + ORDERED_GATE + " still set) so that its owner " + r.controller()
                        + " re-creates it at the lowest"
                        + " free ordinal: " + PodNames.podName(set, r.gap()) + " has had no pod and no reservation for "
                        + seconds(r.freeFor())
                        + " (admitted but never stored: ResourceQuota, another webhook or a storage"
                        + " error rejected it after Ordinal named it), and OrderedReady would hold " + r.pod()
                        + " behind it forever");
    }

    /** {@code o.pod()} waits above lost ordinal {@code o.gap()} and has no owner that would re-create it. */
    public static ControllerEvent gapStuck(String set, String namespace, GapHealing.OwnerMissing o) {
        String missing = PodNames.podName(set, o.gap());
        return new ControllerEvent(
                Type.Warning,
                ORDINAL_GAP_STUCK,
                o.pod() + " waits for " + missing + ", which"
                        + " has had no pod and no reservation for " + seconds(o.freeFor())
                        + " (admitted but never stored:"
                        + " ResourceQuota, another webhook or a storage error rejected it after Ordinal named it), so "
                        + o.pod()
                        + " will never start. It has no controller owner, so Ordinal does not delete it. Fix: "
                        + "kubectl delete pod " + o.pod() + " -n " + namespace
                        + ", then create it again from its manifest"
                        + " (with metadata.generateName: " + set + "-, it gets " + missing + ")");
    }

    /**
     * A write failed with {@code f}; {@code identity} is the user the controller acts as, when known. A 403 on a gate
     * removal says which setting lets that user lift Ordinal's gates; an RBAC 403 which ClusterRole to extend.
     */
    public static ControllerEvent writeFailed(WriteFailure f, Optional<String> identity) {
        StringBuilder m = new StringBuilder()
                .append(capitalized(f.action()))
                .append(" failed: ")
                .append(f.cause())
                .append(": ")
                .append(f.message() == null || f.message().isBlank() ? "(no message)" : f.message());
        if (f.code() == WriteFailure.FORBIDDEN) {
            String who = identity.map(u -> "\"" + u + "\"").orElse("(identity unknown)");
            if (f.rbac()) {
                m.append("; the controller acts as ")
                        .append(who)
                        .append(": grant the verb in ClusterRole ordinal" + " (deploy/base/clusterrole.yaml)");
            } else if (f.write() == WriteFailure.Write.REMOVE_GATE) {
                m.append("; the controller acts as ")
                        .append(who)
                        .append(": add it to ordinal.controller-users"
                                + " (env ORDINAL_CONTROLLER_USERS) on every Ordinal replica");
            } else {
                m.append("; the controller acts as ").append(who);
            }
        }
        return new ControllerEvent(
                Type.Warning, WRITE_FAILED, m.append("; retrying with backoff").toString());
    }

    private static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static String seconds(Duration d) {
        return Math.max(1, d.toSeconds()) + "s";
    }
}
