package dev.ordinal.identity;

import static dev.ordinal.identity.OrdinalKeys.RESERVED_ORDINALS_ANNOTATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.ordinal.plan.OrderedStart;
import dev.ordinal.support.PodFixtures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code ordinal.dev/reserved-ordinals}: parsing, the set it stands for, and every rule that skips it. */
class ReservedOrdinalsTest {

    private static ReservedOrdinals valid(String raw) {
        Parsed<ReservedOrdinals> got = ReservedOrdinals.parse(raw);
        assertThat(got).as("parse(%s): got %s, want Valid", raw, got).isInstanceOf(Parsed.Valid.class);
        return ((Parsed.Valid<ReservedOrdinals>) got).value();
    }

    static Stream<Arguments> canonicalForms() {
        return Stream.of(
                argumentSet("empty", "", ""),
                argumentSet("blank", "  ", ""),
                argumentSet("one", "3", "3"),
                argumentSet("list and range", "1,5-7", "1,5-7"),
                argumentSet("unsorted, spaces", " 5-7 , 1", "1,5-7"),
                argumentSet("adjacent merge", "1,2,3,5-6,7", "1-3,5-7"),
                argumentSet("overlap merge", "1-5,3-8", "1-8"),
                argumentSet("single range", "4-4", "4"),
                argumentSet("largest ordinal", "2147483647", "2147483647"),
                argumentSet("range at the top", "2147473648-2147483647", "2147473648-2147483647"));
    }

    @ParameterizedTest
    @MethodSource("canonicalForms")
    void parsesToCanonicalRanges(String raw, String want) {
        String got = valid(raw).toString();
        assertThat(got).as("parse(%s): got %s, want %s", raw, got, want).isEqualTo(want);
    }

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                argumentSet("word", "one", "is not an ordinal or a range"),
                argumentSet("empty entry", "1,,2", "is not an ordinal or a range"),
                argumentSet("negative", "-1", "is not an ordinal or a range"),
                argumentSet("leading zero", "01", "is not an ordinal or a range"),
                argumentSet("open range", "5-", "is not an ordinal or a range"),
                argumentSet("backwards", "7-5", "ends before it starts"),
                argumentSet("too large", "2147483648", "is above 2147483647"),
                argumentSet("range too wide", "0-10000", "covers 10001 ordinals, more than 10000"),
                argumentSet("huge range", "0-2000000000", "covers 2000000001 ordinals"),
                argumentSet("too many entries", "1,".repeat(100) + "1", "has 101 entries"));
    }

    @ParameterizedTest
    @MethodSource("invalidValues")
    void refusesWithTheReasonAndWhatIsAllowed(String raw, String reason) {
        Parsed<ReservedOrdinals> got = ReservedOrdinals.parse(raw);
        assertThat(got).as("parse(%s): got %s, want Invalid", raw, got).isInstanceOf(Parsed.Invalid.class);
        String message = ((Parsed.Invalid<ReservedOrdinals>) got).reason();
        assertThat(message)
                .as("reason for %s", raw)
                .contains(reason)
                .contains("at most 10000 ordinals")
                .contains("at most 100 entries");
    }

    @Test
    void settingsCarryItAndTheAnnotationErrorNamesIt() {
        SetSettings s = Settings.of("web", RESERVED_ORDINALS_ANNOTATION, "5-7,1");
        assertThat(s.reservedOrdinals())
                .as("settings: got %s", s.reservedOrdinals())
                .isEqualTo(valid("1,5-7"));
        assertThat(s)
                .as("same reserved ordinals written differently agree")
                .isEqualTo(Settings.of("web", RESERVED_ORDINALS_ANNOTATION, "1,5,6,7"));
        assertThat(s)
                .as("other reserved ordinals disagree")
                .isNotEqualTo(Settings.of("web", RESERVED_ORDINALS_ANNOTATION, "1,5"));
        SettingsParser.Result bad =
                SettingsParser.parse("web", Settings.annotations(RESERVED_ORDINALS_ANNOTATION, "0-99999"));
        assertThat(bad).isInstanceOf(SettingsParser.Result.Invalid.class);
        assertThat(((SettingsParser.Result.Invalid) bad).problems())
                .singleElement()
                .asString()
                .contains("annotation ordinal.dev/reserved-ordinals: value \"0-99999\" is not allowed")
                .contains("covers 100000 ordinals");
    }

    @Test
    void membershipAndCountsWorkOnRanges() {
        ReservedOrdinals r = valid("1,5-7,20-29");
        for (int n = 0; n < 40; n++) {
            boolean want = n == 1 || (n >= 5 && n <= 7) || (n >= 20 && n <= 29);
            assertThat(r.contains(n)).as("contains(%d)", n).isEqualTo(want);
            int wantAbsent = n;
            while (wantAbsent == 1 || (wantAbsent >= 5 && wantAbsent <= 7) || (wantAbsent >= 20 && wantAbsent <= 29)) {
                wantAbsent++;
            }
            assertThat(r.firstAbsentFrom(n)).as("firstAbsentFrom(%d)", n).isEqualTo(wantAbsent);
        }
        assertThat(r.countIn(0, 8)).as("countIn(0, 8)").isEqualTo(4);
        assertThat(r.countIn(6, 25)).as("countIn(6, 25)").isEqualTo(7);
        assertThat(r.countIn(30, 100)).as("countIn(30, 100)").isZero();
        assertThat(valid("2147483647").firstAbsentFrom(2147483647))
                .as("overflow")
                .isEqualTo(-1);
    }

    /** The real-cluster scenario as a table: with 1 and 3 reserved, three pods become web-0, web-2, web-4. */
    @Test
    void assignmentSkipsReservedOrdinals() {
        SetSettings s = Settings.of("web", RESERVED_ORDINALS_ANNOTATION, "1,3");
        List<Member> members = new ArrayList<>();
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            SetSnapshot snap = SetSnapshot.of("default", "web", members);
            Ordinals.Assignment a =
                    Ordinals.assign(snap, 0, OrdinalSet.union(OrdinalSet.of(Set.of()), s.reservedOrdinals()));
            int n = ((Ordinals.Assignment.Assigned) a).ordinal();
            got.add(n);
            members.add(Members.withSettings(n, s));
        }
        assertThat(got).as("ordinals assigned").containsExactly(0, 2, 4);
    }

    @Test
    void aWideRangeIsSkippedInOneStep() {
        SetSettings s = Settings.of("web", RESERVED_ORDINALS_ANNOTATION, "1-10000,10001-20000");
        SetSnapshot snap = SetSnapshot.of("default", "web", List.of(Members.withSettings(0, s)));
        Ordinals.Assignment a = Ordinals.assign(snap, 0, s.reservedOrdinals());
        assertThat(a).as("assignment").isEqualTo(new Ordinals.Assignment.Assigned(20001));
    }

    @Test
    void aNamedPodOnAReservedOrdinalIsDeniedNamingIt() {
        CreateRules.Prepared got = CreateRules.prepare(PodFixtures.pod("web", 5)
                .annotation(RESERVED_ORDINALS_ANNOTATION, "1,5-7")
                .build());
        assertThat(got).isInstanceOf(CreateRules.Prepared.Rejected.class);
        Decision.Deny deny = ((CreateRules.Prepared.Rejected) got).deny();
        assertThat(deny.code()).isEqualTo(403);
        assertThat(deny.message())
                .contains("web-5")
                .contains("has ordinal 5")
                .contains("ordinal.dev/reserved-ordinals \"1,5-7\" reserves");
        assertThat(CreateRules.prepare(PodFixtures.pod("web", 4)
                        .annotation(RESERVED_ORDINALS_ANNOTATION, "1,5-7")
                        .build()))
                .as("web-4 is not reserved")
                .isInstanceOf(CreateRules.Prepared.Member.class);
    }

    @Test
    void orderedStartAndDenyOrderingDoNotWaitForReservedOrdinals() {
        SetSettings s = Settings.of("web", RESERVED_ORDINALS_ANNOTATION, "1,3");
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        Member web0 = Members.withSettings(0, s);
        Member web2 = Members.withSettings(2, s);
        Member web4 = new Member(
                "web-4", "uid-4", 4, false, "Pending", false, null, s, List.of(OrdinalKeys.ORDERED_GATE), null);
        SetSnapshot snap = SetSnapshot.of("default", "web", List.of(web0, web2, web4));
        OrderedStart.Plan plan = OrderedStart.plan(snap, now);
        assertThat(plan.releases())
                .as("releases %s, waits %s", plan.releases(), plan.waits())
                .singleElement()
                .extracting(OrderedStart.Release::pod)
                .isEqualTo("web-4");
        OptionalInt waits = snap.firstNotReadyBelow(0, 4, s.reservedOrdinals());
        assertThat(waits).as("web-4 waits for nothing").isEmpty();
        assertThat(snap.firstNotReadyBelow(0, 4))
                .as("without reservations it would wait for 1")
                .hasValue(1);

        SetSettings deny =
                Settings.of("web", RESERVED_ORDINALS_ANNOTATION, "1,3", OrdinalKeys.ORDERING_ANNOTATION, "deny");
        SetSnapshot denySnap =
                SetSnapshot.of("default", "web", List.of(Members.withSettings(0, deny), Members.withSettings(2, deny)));
        assertThat(CreateRules.waitingForPredecessor(deny, denySnap, 4))
                .as("deny ordering")
                .isEmpty();
        assertThat(CreateRules.warnings(deny, 4, denySnap, new ServiceFacts(true, true, true)))
                .as("no gap warning for reserved ordinals")
                .isEmpty();
    }
}
