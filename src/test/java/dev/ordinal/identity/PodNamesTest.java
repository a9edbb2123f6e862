package dev.ordinal.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The naming formulas: pod and claim names, strict ordinal parsing, DNS label checks. */
class PodNamesTest {

    static Stream<Arguments> validNames() {
        return Stream.of(
                argumentSet("zero", "web", "web-0", 0),
                argumentSet("single digit", "web", "web-7", 7),
                argumentSet("several digits", "web", "web-120", 120),
                argumentSet("int max", "web", "web-2147483647", Integer.MAX_VALUE),
                argumentSet("set name with dashes and digits", "my-db-2", "my-db-2-10", 10),
                argumentSet("set name ending in a digit, ordinal 0", "db1", "db1-0", 0),
                argumentSet("set name of one letter", "a", "a-3", 3));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("validNames")
    void parsesTheOrdinalOfAValidName(String set, String name, int want) {
        PodNames.OrdinalParse got = PodNames.parseOrdinal(set, name);
        assertThat(got)
                .as("parseOrdinal(%s, %s): got %s, want Valid(%d)", set, name, got, want)
                .isEqualTo(new PodNames.OrdinalParse.Valid(want));
        assertThat(PodNames.ordinalOf(set, name))
                .as("ordinalOf(%s, %s): got %d, want %d", set, name, PodNames.ordinalOf(set, name), want)
                .isEqualTo(want);
        assertThat(PodNames.podName(set, want))
                .as("podName(%s, %d): got %s, want the name parsed: %s", set, want, PodNames.podName(set, want), name)
                .isEqualTo(name);
    }

    static Stream<Arguments> invalidNames() {
        return Stream.of(
                argumentSet("leading zero", "web", "web-01", "leading zero"),
                argumentSet("only zeros", "web", "web-00", "leading zero"),
                argumentSet("double dash (negative)", "web", "web--1", "not a non-negative decimal"),
                argumentSet("plus sign", "web", "web-+1", "not a non-negative decimal"),
                argumentSet("trailing letter", "web", "web-1a", "not a non-negative decimal"),
                argumentSet("no digits", "web", "web-", "not a non-negative decimal"),
                argumentSet("space", "web", "web- 1", "not a non-negative decimal"),
                argumentSet("non-ASCII digit", "web", "web-\u0661", "not a non-negative decimal"),
                argumentSet("other set", "web", "api-1", "does not start with \"web-\""),
                argumentSet("set name alone", "web", "web", "does not start with \"web-\""),
                argumentSet("prefix of a longer set", "web", "webx-1", "does not start with \"web-\""),
                argumentSet("uppercase set prefix", "web", "WEB-1", "does not start with \"web-\""),
                argumentSet("int max + 1", "web", "web-2147483648", "overflows"),
                argumentSet("eleven digits", "web", "web-99999999999", "overflows"),
                argumentSet("twenty digits", "web", "web-12345678901234567890", "overflows"),
                argumentSet(
                        "pod of a set with a dash, parsed as the shorter set",
                        "my-db",
                        "my-db-2-10",
                        "not a non-negative decimal"),
                argumentSet("null name", "web", null, "does not start with"));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("invalidNames")
    void rejectsAnInvalidName(String set, String name, String wantReason) {
        PodNames.OrdinalParse got = PodNames.parseOrdinal(set, name);
        assertThat(got)
                .as("parseOrdinal(%s, %s): got %s, want Invalid", set, name, got)
                .isInstanceOf(PodNames.OrdinalParse.Invalid.class);
        String reason = ((PodNames.OrdinalParse.Invalid) got).reason();
        assertThat(reason)
                .as("reason: got %s, want it to contain %s", reason, wantReason)
                .contains(wantReason);
        assertThat(PodNames.ordinalOf(set, name))
                .as("ordinalOf(%s, %s): got %d, want -1", set, name, PodNames.ordinalOf(set, name))
                .isEqualTo(-1);
    }

    @Test
    void formatsPodAndClaimNamesAsStatefulSetDoes() {
        assertThat(PodNames.podName("web", 3))
                .as("podName: got %s, want web-3", PodNames.podName("web", 3))
                .isEqualTo("web-3");
        String claim = PodNames.claimName("data", "web", 3);
        assertThat(claim).as("claimName: got %s, want data-web-3", claim).isEqualTo("data-web-3");
        String dashed = PodNames.claimName("my-vol", "my-db-2", 10);
        assertThat(dashed)
                .as("claimName: got %s, want my-vol-my-db-2-10", dashed)
                .isEqualTo("my-vol-my-db-2-10");
    }

    static Stream<Arguments> dnsLabels() {
        return Stream.of(
                argumentSet("simple", "web-0", true, true),
                argumentSet("one character", "a", true, true),
                argumentSet("digits only", "123", true, false),
                argumentSet("starts with a digit", "0web", true, false),
                argumentSet("63 characters", "a".repeat(63), true, true),
                argumentSet("64 characters", "a".repeat(64), false, false),
                argumentSet("uppercase", "Web", false, false),
                argumentSet("underscore", "my_db", false, false),
                argumentSet("leading dash", "-web", false, false),
                argumentSet("trailing dash", "web-", false, false),
                argumentSet("dot", "web.0", false, false),
                argumentSet("empty", "", false, false),
                argumentSet("null", null, false, false));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("dnsLabels")
    void checksDnsLabelsAndServiceNames(String value, boolean wantLabel, boolean wantServiceName) {
        boolean label = PodNames.isDnsLabel(value);
        boolean service = PodNames.isServiceName(value);
        assertThat(label)
                .as("isDnsLabel(%s): got %s, want %s", value, label, wantLabel)
                .isEqualTo(wantLabel);
        assertThat(service)
                .as("isServiceName(%s): got %s, want %s", value, service, wantServiceName)
                .isEqualTo(wantServiceName);
    }
}
