package dev.ordinal.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Decisions are immutable values with the HTTP-style codes and reasons the admission layer maps. */
class DecisionTest {

    static Stream<Arguments> denials() {
        return Stream.of(
                argumentSet("forbidden", Decision.Deny.forbidden("m"), 403, "Forbidden"),
                argumentSet("bad request", Decision.Deny.badRequest("m"), 400, "BadRequest"),
                argumentSet("already exists", Decision.Deny.alreadyExists("m"), 409, "AlreadyExists"),
                argumentSet("retry later", Decision.Deny.retryLater("m"), 429, "TooManyRequests"));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("denials")
    void denialFactoriesCarryCodeReasonAndMessage(Decision.Deny deny, int code, String reason) {
        assertThat(deny.code()).as("code: got %d, want %d", deny.code(), code).isEqualTo(code);
        assertThat(deny.reason())
                .as("reason: got %s, want %s", deny.reason(), reason)
                .isEqualTo(reason);
        assertThat(deny.message()).as("message: got %s, want m", deny.message()).isEqualTo("m");
        assertThat(deny.warnings())
                .as("warnings: got %s, want none", deny.warnings())
                .isEmpty();
    }

    @Test
    void unchangedAllowHasNoPodAndNoWarnings() {
        Decision.Allow got = Decision.Allow.unchanged();
        assertThat(got.mutated())
                .as("mutated: got %s, want null", got.mutated())
                .isNull();
        assertThat(got.warnings())
                .as("warnings: got %s, want none", got.warnings())
                .isEmpty();
    }

    @Test
    void warningsAreCopiedAndCannotBeChanged() {
        List<String> warnings = new ArrayList<>(List.of("w1"));
        Decision.Allow allow = new Decision.Allow(null, warnings);
        Decision.Deny deny = new Decision.Deny(403, "Forbidden", "m", warnings);
        warnings.add("w2");
        assertThat(allow.warnings())
                .as("Allow warnings after the caller's list changed: got %s, want [w1]", allow.warnings())
                .containsExactly("w1");
        assertThat(deny.warnings())
                .as("Deny warnings after the caller's list changed: got %s, want [w1]", deny.warnings())
                .containsExactly("w1");
        assertThatThrownBy(() -> allow.warnings().add("x"))
                .as("Allow warnings: got mutable, want unmodifiable")
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
