package dev.ordinal.cluster;

/** Identifies one ordinal set: sets are namespaced, so {@code web} in two namespaces are two sets. */
public record SetKey(String namespace, String set) {

    // equals and hashCode written out: a record's generated ones run through method handles that the native
    // executable interprets (GraalVM GR-37191), about 100 times slower than these; every watch event and review looks a
    // set up by its key.
    @Override
    public boolean equals(Object o) {
        return o instanceof SetKey other && namespace.equals(other.namespace) && set.equals(other.set);
    }

    @Override
    public int hashCode() {
        return 31 * namespace.hashCode() + set.hashCode();
    }

    @Override
    public String toString() {
        return namespace + "/" + set;
    }
}
