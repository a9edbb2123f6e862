package dev.ordinal.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.identity.ClaimRetention;
import dev.ordinal.identity.Members;
import dev.ordinal.identity.OrdinalKeys;
import dev.ordinal.identity.Parsed;
import dev.ordinal.identity.SetSettings;
import dev.ordinal.identity.SetSnapshot;
import dev.ordinal.identity.Settings;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The pure retention and growth rules of {@link ClaimUpkeep}. */
class ClaimUpkeepTest {

    static final ClaimUpkeep.Owner DEPLOY =
            new ClaimUpkeep.Owner("apps/v1", "Deployment", "web", "uid-d", OptionalInt.of(1));

    static ClaimUpkeep.SetClaim claim(int n, OwnerReference... refs) {
        PersistentVolumeClaim c = new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("data-web-" + n)
                .withUid("c" + n)
                .withOwnerReferences(refs)
                .endMetadata()
                .build();
        return new ClaimUpkeep.SetClaim(c, n);
    }

    @Test
    void retentionTable() {
        record Row(
                String retention,
                String reserved,
                List<Integer> pods,
                List<Integer> claims,
                List<Integer> deleted,
                int ownerChanges) {}
        List<Row> rows = List.of(
                new Row("whenDeleted=Retain,whenScaled=Retain", "", List.of(0), List.of(0, 1, 2), List.of(), 0),
                new Row("whenScaled=Delete", "", List.of(0), List.of(0, 1, 2), List.of(1, 2), 0),
                new Row("whenScaled=Delete", "", List.of(0, 2), List.of(0, 1, 2), List.of(1), 0),
                new Row("whenScaled=Delete", "0", List.of(1), List.of(0, 1, 2), List.of(2), 0),
                new Row("whenDeleted=Delete", "", List.of(0), List.of(0, 1, 2), List.of(), 3),
                new Row("whenDeleted=Delete,whenScaled=Delete", "", List.of(0), List.of(0, 1), List.of(1), 1));
        for (Row row : rows) {
            SetSettings s = Settings.of(
                    "web",
                    OrdinalKeys.PVC_RETENTION_ANNOTATION,
                    row.retention(),
                    OrdinalKeys.RESERVED_ORDINALS_ANNOTATION,
                    row.reserved());
            SetSnapshot snap = SetSnapshot.of(
                    "default",
                    "web",
                    row.pods().stream().map(n -> Members.withSettings(n, s)).toList());
            ClaimUpkeep.Plan plan = ClaimUpkeep.plan(
                    snap,
                    s,
                    Optional.of(DEPLOY),
                    row.claims().stream().map(n -> claim(n)).toList());
            assertThat(plan.deletions().stream()
                            .map(ClaimUpkeep.Deletion::ordinal)
                            .toList())
                    .as("%s deleted", row)
                    .isEqualTo(row.deleted());
            assertThat(plan.ownerChanges()).as("%s owner changes", row).hasSize(row.ownerChanges());
        }
    }

    @Test
    void noDesiredSizeDeletesNothing() {
        SetSettings s = Settings.of("web", OrdinalKeys.PVC_RETENTION_ANNOTATION, "whenScaled=Delete");
        ClaimUpkeep.Owner unknown = new ClaimUpkeep.Owner("example.com/v1", "Thing", "t", "uid-t", OptionalInt.empty());
        ClaimUpkeep.Plan plan =
                ClaimUpkeep.plan(SetSnapshot.empty("default", "web"), s, Optional.of(unknown), List.of(claim(5)));
        assertThat(plan.deletions()).isEmpty();
    }

    @Test
    void ownersAddOnDeleteRemoveOnRetainAndKeepOthers() {
        OwnerReference other = new OwnerReferenceBuilder()
                .withApiVersion("apps/v1")
                .withKind("StatefulSet")
                .withName("web")
                .withUid("uid-s")
                .withController(true)
                .build();
        ClaimRetention delete = new ClaimRetention(ClaimRetention.Policy.Delete, ClaimRetention.Policy.Retain);
        List<OwnerReference> added =
                ClaimUpkeep.owners(List.of(other), delete, DEPLOY).orElseThrow();
        assertThat(added).extracting(OwnerReference::getUid).containsExactly("uid-s", "uid-d");
        assertThat(added.get(1).getController()).as("plain reference").isNull();
        assertThat(ClaimUpkeep.owners(added, delete, DEPLOY))
                .as("already there")
                .isEmpty();
        assertThat(ClaimUpkeep.owners(added, ClaimRetention.RETAIN, DEPLOY).orElseThrow())
                .extracting(OwnerReference::getUid)
                .containsExactly("uid-s");
        assertThat(ClaimUpkeep.owners(List.of(other), ClaimRetention.RETAIN, DEPLOY))
                .isEmpty();
    }

    @Test
    void growthComparesAmountsNotStrings() {
        assertThat(ClaimUpkeep.growth(new Quantity("2Gi"), new Quantity("1Gi"))).isEqualTo(ClaimUpkeep.Growth.GROW);
        assertThat(ClaimUpkeep.growth(new Quantity("1024Mi"), new Quantity("1Gi")))
                .isEqualTo(ClaimUpkeep.Growth.SAME);
        assertThat(ClaimUpkeep.growth(new Quantity("1G"), new Quantity("1Gi"))).isEqualTo(ClaimUpkeep.Growth.SMALLER);
        assertThat(ClaimUpkeep.growth(null, new Quantity("1Gi"))).isEqualTo(ClaimUpkeep.Growth.SAME);
    }

    @Test
    void retentionParsing() {
        assertThat(ClaimRetention.parse("whenScaled=Delete"))
                .isEqualTo(new Parsed.Valid<>(
                        new ClaimRetention(ClaimRetention.Policy.Retain, ClaimRetention.Policy.Delete)));
        // Unset, or rendered empty by a template engine: the default, as for StatefulSet.
        for (String blank : Arrays.asList(null, "", "  ")) {
            assertThat(ClaimRetention.parse(blank))
                    .as("[%s]", blank)
                    .isEqualTo(new Parsed.Valid<>(ClaimRetention.RETAIN));
        }
        for (String bad :
                List.of("whenDeleted=delete", "whenGone=Delete", "whenDeleted=Delete,whenDeleted=Retain", "Delete")) {
            assertThat(ClaimRetention.parse(bad)).as(bad).isInstanceOf(Parsed.Invalid.class);
        }
    }
}
