package dev.ordinal.controller;

import static dev.ordinal.identity.OrdinalKeys.CLAIM_TEMPLATES_ANNOTATION;

import dev.ordinal.identity.ClaimTemplates;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What one pass over a set reads more than once, read once: the namespace's claims, and each distinct value of the
 * claim-templates annotation, parsed. A set's pods carry one value between them (their owner's template), so a pass
 * over 100 pods parses it once instead of twice per pod, and copies each claim once instead of once for volume growth
 * and again for retention. For the pass's own thread; read-only use of what it hands out.
 */
final class PassReads {

    private final ClusterReader reader;
    private final String namespace;
    private Map<String, PersistentVolumeClaim> claims;
    private final Map<String, Optional<Map<String, PersistentVolumeClaimTemplate>>> templates = new HashMap<>();

    PassReads(ClusterReader reader, String namespace) {
        this.reader = reader;
        this.namespace = namespace;
    }

    /** The cached claims of the namespace, as they were at this pass's first read of them. */
    Collection<PersistentVolumeClaim> claims() {
        return byName().values();
    }

    /** The cached claim {@code name} of the namespace, as it was at this pass's first read of claims. */
    Optional<PersistentVolumeClaim> claim(String name) {
        return Optional.ofNullable(byName().get(name));
    }

    /** The pod's valid claim templates by volume name; empty when it has none or they are invalid. */
    Optional<Map<String, PersistentVolumeClaimTemplate>> templatesOf(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(CLAIM_TEMPLATES_ANNOTATION);
        if (value == null) {
            return Optional.empty();
        }
        return templates.computeIfAbsent(value, v -> ClaimTemplates.parse(v).valid());
    }

    private Map<String, PersistentVolumeClaim> byName() {
        if (claims == null) {
            claims = new LinkedHashMap<>();
            for (PersistentVolumeClaim c : reader.claims(namespace)) {
                claims.put(c.getMetadata().getName(), c);
            }
        }
        return claims;
    }
}
