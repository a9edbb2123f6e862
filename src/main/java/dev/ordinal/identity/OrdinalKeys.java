package dev.ordinal.identity;

import java.util.List;

/** Every label, annotation and scheduling-gate name Ordinal reads or writes, in one place. */
public final class OrdinalKeys {

    public static final String PREFIX = "ordinal.dev/";

    /** Label that makes a pod a member of ordinal set S. */
    public static final String SET_LABEL = PREFIX + "set";
    /** Label Ordinal sets to the pod's name {@code S-n}, mirroring {@code statefulset.kubernetes.io/pod-name}. */
    public static final String POD_NAME_LABEL = PREFIX + "pod-name";
    /** The label StatefulSet uses for the ordinal; Ordinal sets it too so tooling works unchanged. */
    public static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

    public static final String SERVICE_ANNOTATION = PREFIX + "service";
    public static final String POLICY_ANNOTATION = PREFIX + "pod-management-policy";
    public static final String ORDERING_ANNOTATION = PREFIX + "ordering";
    public static final String START_ORDINAL_ANNOTATION = PREFIX + "start-ordinal";
    public static final String EPHEMERAL_VOLUMES_ANNOTATION = PREFIX + "ephemeral-volumes";
    public static final String CREATE_SERVICE_ANNOTATION = PREFIX + "create-service";
    public static final String MIN_READY_SECONDS_ANNOTATION = PREFIX + "min-ready-seconds";
    public static final String RESERVED_ORDINALS_ANNOTATION = PREFIX + "reserved-ordinals";
    public static final String PVC_RETENTION_ANNOTATION = PREFIX + "pvc-retention";

    /** Written by the mutating webhook: JSON map volume name to its PersistentVolumeClaimTemplate. */
    public static final String CLAIM_TEMPLATES_ANNOTATION = PREFIX + "claim-templates";
    /** ReplicaSets delete the pod with the lowest cost first, so {@code -n} removes the highest ordinal first. */
    public static final String DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost";

    /** Label on objects the controller creates (the headless Service), so it never touches a user's object. */
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    /** Value of {@link #MANAGED_BY_LABEL} on objects Ordinal created. */
    public static final String MANAGED_BY_VALUE = "ordinal";

    /** Scheduling gate held until every lower ordinal is Running and Ready. */
    public static final String ORDERED_GATE = PREFIX + "ordered";
    /** Scheduling gate held until every per-ordinal PersistentVolumeClaim exists. */
    public static final String CLAIMS_GATE = PREFIX + "claims";

    /** The annotations a user may set to tune a set (SPEC §2); all members of a set must agree on them. */
    public static final List<String> SETTING_ANNOTATIONS = List.of(
            SERVICE_ANNOTATION,
            POLICY_ANNOTATION,
            ORDERING_ANNOTATION,
            START_ORDINAL_ANNOTATION,
            EPHEMERAL_VOLUMES_ANNOTATION,
            CREATE_SERVICE_ANNOTATION,
            MIN_READY_SECONDS_ANNOTATION,
            RESERVED_ORDINALS_ANNOTATION,
            PVC_RETENTION_ANNOTATION);

    /** The {@code ordinal.dev/*} annotations Ordinal itself writes. */
    public static final List<String> OWNED_ANNOTATIONS = List.of(CLAIM_TEMPLATES_ANNOTATION);

    /** The scheduling gates Ordinal adds and only its controller may remove. */
    public static final List<String> GATES = List.of(ORDERED_GATE, CLAIMS_GATE);

    private OrdinalKeys() {}
}
