package dev.ordinal.plan;

import dev.ordinal.identity.ClaimRetention;
import dev.ordinal.identity.SetSettings;
import dev.ordinal.identity.SetSnapshot;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What happens to a set's claims after they exist (SPEC §7.2): retention ({@code ordinal.dev/pvc-retention}, as
 * StatefulSet's KEP-1847) and growth of a claim whose template asks for more storage. Pure.
 *
 * <p>whenDeleted=Delete gives each claim an ownerReference to the set's top-level owner (the Deployment above the
 * ReplicaSet, the Job), so the garbage collector deletes the claims with it, as the StatefulSet controller does with
 * its own object ({@code updateClaimOwnerRefForSetAndPod}). Unlike StatefulSet the reference is not a controller
 * reference: a Deployment is not a PVC's controller, and a claim controlled by something else (a StatefulSet's
 * policy before a migration) keeps that. whenScaled=Delete deletes the claims of ordinals at and above the owner's
 * desired size once no pod holds them.
 */
public final class ClaimUpkeep {

    private ClaimUpkeep() {}

    /** The set's top-level owner; {@code desired} is its desired size when Ordinal can read one. */
    public record Owner(String apiVersion, String kind, String name, String uid, OptionalInt desired) {
        public OwnerReference reference() {
            return new OwnerReferenceBuilder()
                    .withApiVersion(apiVersion)
                    .withKind(kind)
                    .withName(name)
                    .withUid(uid)
                    .build();
        }

        @Override
        public String toString() {
            return kind + "/" + name;
        }
    }

    /** A claim of the set and the ordinal its name carries. */
    public record SetClaim(PersistentVolumeClaim claim, int ordinal) {}

    /** Delete {@code claim} (uid precondition): its ordinal is above the owner's desired size and has no pod. */
    public record Deletion(String claim, String uid, int ordinal, int keepBelow) {}

    /** Replace the ownerReferences of {@code claim} with {@code owners}. */
    public record OwnerChange(PersistentVolumeClaim claim, List<OwnerReference> owners, boolean added) {}

    /** The retention work of one set now. */
    public record Plan(List<Deletion> deletions, List<OwnerChange> ownerChanges) {
        public Plan {
            deletions = List.copyOf(deletions);
            ownerChanges = List.copyOf(ownerChanges);
        }
    }

    /**
     * Plans retention for the claims of set {@code snapshot} with settings {@code s} and top-level owner
     * {@code owner} (empty: bare pods, or owners that disagree). A claim being deleted is left alone; a claim whose
     * ordinal a pod holds (live or terminating) is never deleted.
     */
    public static Plan plan(SetSnapshot snapshot, SetSettings s, Optional<Owner> owner, List<SetClaim> claims) {
        List<Deletion> deletions = new ArrayList<>();
        List<OwnerChange> changes = new ArrayList<>();
        ClaimRetention r = s.retention();
        OptionalInt keepBelow = owner.isPresent() && owner.get().desired().isPresent()
                ? OptionalInt.of(s.reservedOrdinals()
                        .endOfFirstFree(s.startOrdinal(), owner.get().desired().getAsInt()))
                : OptionalInt.empty();
        for (SetClaim c : claims) {
            if (c.claim().getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            if (r.deleteWhenScaled()
                    && keepBelow.isPresent()
                    && c.ordinal() >= keepBelow.getAsInt()
                    && snapshot.holder(c.ordinal()).isEmpty()) {
                deletions.add(new Deletion(
                        c.claim().getMetadata().getName(),
                        c.claim().getMetadata().getUid(),
                        c.ordinal(),
                        keepBelow.getAsInt()));
                continue;
            }
            if (owner.isPresent()) {
                owners(c.claim().getMetadata().getOwnerReferences(), r, owner.get())
                        .ifPresent(refs -> changes.add(new OwnerChange(c.claim(), refs, r.deleteWithOwner())));
            }
        }
        return new Plan(deletions, changes);
    }

    /**
     * The ownerReferences {@code current} should have under {@code r}: with whenDeleted=Delete a reference to
     * {@code owner} is added, with Retain one to it is removed; every other reference stays. Empty when nothing changes.
     */
    public static Optional<List<OwnerReference>> owners(List<OwnerReference> current, ClaimRetention r, Owner owner) {
        List<OwnerReference> refs = current == null ? List.of() : current;
        boolean has = refs.stream().anyMatch(ref -> owner.uid().equals(ref.getUid()));
        if (r.deleteWithOwner() == has) {
            return Optional.empty();
        }
        List<OwnerReference> next = new ArrayList<>();
        for (OwnerReference ref : refs) {
            if (!owner.uid().equals(ref.getUid())) {
                next.add(ref);
            }
        }
        if (r.deleteWithOwner()) {
            next.add(owner.reference());
        }
        return Optional.of(next);
    }

    /** How a claim's storage request compares with what its template asks for. */
    public enum Growth {
        /** Equal, or one of them has no storage request. */
        SAME,
        /** The template asks for more: raise the claim's request. */
        GROW,
        /** The template asks for less: claims never shrink, warn. */
        SMALLER
    }

    /** Compares the template's storage request {@code wanted} with the claim's {@code have}. */
    public static Growth growth(Quantity wanted, Quantity have) {
        if (wanted == null || have == null) {
            return Growth.SAME;
        }
        int cmp = Quantity.getAmountInBytes(wanted).compareTo(Quantity.getAmountInBytes(have));
        return cmp > 0 ? Growth.GROW : cmp < 0 ? Growth.SMALLER : Growth.SAME;
    }
}
