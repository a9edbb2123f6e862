package dev.ordinal.identity;

/** Outcome of parsing one annotation value that has a default: the value, or why it is not allowed. */
public sealed interface Parsed<T> {
    record Valid<T>(T value) implements Parsed<T> {}

    /** {@code reason} says what is wrong and what is allowed, without the annotation's name. */
    record Invalid<T>(String reason) implements Parsed<T> {}
}
