package dev.ordinal.cluster;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.VolumeResourceRequirements;
import io.fabric8.kubernetes.api.model.VolumeResourceRequirementsBuilder;

/**
 * What the claim cache keeps of a PVC ({@link CachedFields#reduce(PersistentVolumeClaim)} says why): its metadata
 * without annotations, and of its spec the storage class and resources. {@link #toClaim} makes a new claim of them
 * that shares nothing with what is kept.
 */
record KeptClaim(KeptMeta meta, boolean hasSpec, String storageClassName, VolumeResourceRequirements resources) {

    static KeptClaim of(PersistentVolumeClaim claim) {
        PersistentVolumeClaimSpec spec = claim.getSpec();
        return new KeptClaim(
                KeptMeta.of(claim.getMetadata(), false),
                spec != null,
                spec == null ? null : spec.getStorageClassName(),
                spec == null || spec.getResources() == null ? null : copy(spec.getResources()));
    }

    PersistentVolumeClaim toClaim() {
        PersistentVolumeClaim claim = new PersistentVolumeClaim();
        claim.setMetadata(meta.toMeta());
        if (hasSpec) {
            PersistentVolumeClaimSpec spec = new PersistentVolumeClaimSpec();
            spec.setStorageClassName(storageClassName);
            spec.setResources(resources == null ? null : copy(resources));
            claim.setSpec(spec);
        }
        return claim;
    }

    private static VolumeResourceRequirements copy(VolumeResourceRequirements resources) {
        return new VolumeResourceRequirementsBuilder(resources).build();
    }
}
