package dev.ordinal.cluster;

/** Identifies one ordinal set: sets are namespaced, so {@code web} in two namespaces are two sets. */
public record SetKey(String namespace, String set) {

    @Override
    public String toString() {
        return namespace + "/" + set;
    }
}
