package dev.ordinal.cluster;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the caches keep of an object's metadata: name, namespace, uid (identity, events, delete preconditions),
 * resourceVersion (cache lag, patch preconditions), deletionTimestamp (terminating objects), labels
 * ({@code ordinal.dev/set}: which set), annotations where asked for (a pod's settings and claim templates) and
 * ownerReferences (the controller owner; retention). Maps are kept as key/value arrays in their order, which costs a
 * fraction of a map's memory for 10,000 cached pods; {@link #toMeta} makes a new, changeable {@link ObjectMeta}.
 */
record KeptMeta(
        String name,
        String namespace,
        String uid,
        String resourceVersion,
        String deletionTimestamp,
        String[] labels,
        String[] annotations,
        List<OwnerReference> owners) {

    static KeptMeta of(ObjectMeta meta, boolean annotations) {
        if (meta == null) {
            return new KeptMeta(null, null, null, null, null, null, null, List.of());
        }
        return new KeptMeta(
                meta.getName(),
                meta.getNamespace(),
                meta.getUid(),
                meta.getResourceVersion(),
                meta.getDeletionTimestamp(),
                pairs(meta.getLabels()),
                annotations ? pairs(meta.getAnnotations()) : null,
                CachedFields.copies(meta.getOwnerReferences(), KeptMeta::copy));
    }

    ObjectMeta toMeta() {
        ObjectMeta meta = new ObjectMeta();
        meta.setName(name);
        meta.setNamespace(namespace);
        meta.setUid(uid);
        meta.setResourceVersion(resourceVersion);
        meta.setDeletionTimestamp(deletionTimestamp);
        if (labels != null) {
            meta.setLabels(map(labels));
        }
        if (annotations != null) {
            meta.setAnnotations(map(annotations));
        }
        meta.setOwnerReferences(CachedFields.copies(owners, KeptMeta::copy));
        return meta;
    }

    private static String[] pairs(Map<String, String> map) {
        if (map == null) {
            return null;
        }
        String[] pairs = new String[2 * map.size()];
        int i = 0;
        for (Map.Entry<String, String> e : map.entrySet()) {
            pairs[i++] = e.getKey();
            pairs[i++] = e.getValue();
        }
        return pairs;
    }

    private static Map<String, String> map(String[] pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }

    private static OwnerReference copy(OwnerReference ref) {
        return new OwnerReferenceBuilder(ref).build();
    }
}
