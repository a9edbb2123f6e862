package dev.ordinal.identity;

import java.util.Optional;

/** Outcome of parsing one annotation value that has a default: the value, or why it is not allowed. */
public sealed interface Parsed<T> {
    /** The value, or empty when it is not allowed. */
    default Optional<T> valid() {
        return this instanceof Valid<T> valid ? Optional.of(valid.value()) : Optional.empty();
    }

    record Valid<T>(T value) implements Parsed<T> {}

    /** {@code reason} says what is wrong and what is allowed, without the annotation's name. */
    record Invalid<T>(String reason) implements Parsed<T> {}
}
