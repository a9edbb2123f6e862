package dev.ordinal.sim;

import java.util.List;

/** Who makes an API request: AdmissionReview {@code userInfo}. */
public record Requester(String username, List<String> groups) {

    public Requester {
        groups = List.copyOf(groups);
    }

    /** The ReplicaSet controller in kube-controller-manager. */
    public static final Requester REPLICASET_CONTROLLER = serviceAccount("kube-system", "replicaset-controller");
    /** The Job controller in kube-controller-manager. */
    public static final Requester JOB_CONTROLLER = serviceAccount("kube-system", "job-controller");
    /** The kubelet of the one simulated node. */
    public static final Requester KUBELET =
            new Requester("system:node:" + KubeletSim.NODE_NAME, List.of("system:nodes", "system:authenticated"));
    /** A cluster admin running kubectl. */
    public static final Requester ADMIN =
            new Requester("kubernetes-admin", List.of("kubeadm:cluster-admins", "system:authenticated"));

    /** The ServiceAccount {@code namespace/name}, with the groups the API server adds. */
    public static Requester serviceAccount(String namespace, String name) {
        return new Requester(
                "system:serviceaccount:" + namespace + ":" + name,
                List.of("system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"));
    }
}
