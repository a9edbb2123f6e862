package dev.ordinal.admission;

import java.util.Optional;

/** The operation an AdmissionReview asks about, as {@code request.operation} spells it. */
public enum Operation {
    CREATE,
    UPDATE,
    DELETE,
    CONNECT;

    /** The operation spelled {@code name}, or empty when the API server sends no such operation. */
    static Optional<Operation> of(String name) {
        for (Operation op : values()) {
            if (op.name().equals(name)) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }

    /** True for the operations that carry the pod in {@code request.object}. */
    boolean carriesObject() {
        return this == CREATE || this == UPDATE;
    }
}
