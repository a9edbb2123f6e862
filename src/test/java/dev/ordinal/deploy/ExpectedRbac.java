package dev.ordinal.deploy;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.Arrays;
import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The exact permissions deploy/base grants Ordinal's ServiceAccount: the one list that both the
 * manifests and the controller's API calls are checked against.
 */
public final class ExpectedRbac {

    /** One verb on one resource of one API group ("" is the core group). */
    public record Permission(String apiGroup, String resource, String verb) {
        @Override
        public String toString() {
            return (apiGroup.isEmpty() ? "core" : apiGroup) + "/" + resource + ":" + verb;
        }
    }

    /** Name of the leader-election Lease; the Role limits get and patch to it. */
    public static final String LEASE_NAME = "ordinal-controller";

    /**
     * ClusterRole {@code ordinal}: informers, gate lifting, gap healing (delete a gated pod that never started so its
     * owner re-creates it at a lost ordinal), claim and Service creation, events. Not listed: authentication.k8s.io
     * {@code selfsubjectreviews} {@code create}, which the controller sends only to name itself in a 403 Warning
     * that does not name it; Kubernetes grants it to every authenticated user (ClusterRole system:basic-user).
     */
    public static final Set<Permission> CLUSTER_ROLE = union(
            permissions("", "pods", "list", "watch", "patch", "delete"),
            permissions("", "persistentvolumeclaims", "list", "watch", "create", "patch", "delete"),
            permissions("apps", "replicasets", "get"),
            permissions("apps", "deployments", "get"),
            permissions("batch", "jobs", "get"),
            permissions("storage.k8s.io", "storageclasses", "get"),
            permissions("", "services", "list", "watch", "create"),
            permissions("", "events", "create", "patch"));

    /** Role {@code ordinal-leader-election} in ordinal-system: what fabric8's LeaderElector uses. */
    public static final Set<Permission> LEADER_ELECTION_ROLE =
            permissions("coordination.k8s.io", "leases", "get", "create", "patch");

    private ExpectedRbac() {}

    /**
     * Expands RBAC rules into single permissions (every apiGroup x resource x verb). resourceNames
     * are ignored: a rule limited to some names still counts as granting its verbs.
     */
    public static Set<Permission> of(Collection<PolicyRule> rules) {
        return rules.stream()
                .flatMap(rule -> rule.getApiGroups().stream()
                        .flatMap(group -> rule.getResources().stream()
                                .flatMap(resource ->
                                        rule.getVerbs().stream().map(verb -> new Permission(group, resource, verb)))))
                .collect(Collectors.toUnmodifiableSet());
    }

    private static Set<Permission> permissions(String apiGroup, String resource, String... verbs) {
        return Arrays.stream(verbs)
                .map(verb -> new Permission(apiGroup, resource, verb))
                .collect(Collectors.toUnmodifiableSet());
    }

    @SafeVarargs
    private static Set<Permission> union(Set<Permission>... sets) {
        return Stream.of(sets).flatMap(Set::stream).collect(Collectors.toUnmodifiableSet());
    }
}
