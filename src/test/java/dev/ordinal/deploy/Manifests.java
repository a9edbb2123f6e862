package dev.ordinal.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Renders kustomizations with {@code kubectl kustomize} (never a cluster) and reads manifests with fabric8. */
final class Manifests {

    static final Path ROOT = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
            .toAbsolutePath()
            .normalize();
    static final Path DEPLOY = ROOT.resolve("deploy");

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";

    private Manifests() {}

    /** Fails the calling test, saying why, when kubectl is not on the PATH: a test tier never skips silently. */
    static void requireKubectl() {
        assertTrue(
                Commands.available("kubectl", "version", "--client"),
                "kubectl is not on the PATH; run `make kube` and add the directory it prints to the PATH (what"
                        + " .ci/run does), or install kubectl, to run the kustomize manifest tests");
    }

    /** Output of {@code kubectl kustomize dir}; skips the test when kubectl is missing. */
    static String kustomize(Path dir) {
        requireKubectl();
        return Commands.run(ROOT, Map.of(), List.of("kubectl", "kustomize", dir.toString()))
                .stdoutOrFail();
    }

    /** {@code kubectl kustomize dir}, parsed. */
    static List<HasMetadata> render(Path dir) {
        return parse(kustomize(dir));
    }

    /** Every document of a (multi-document) YAML file. */
    static List<HasMetadata> read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses YAML with one or more documents into typed fabric8 objects (unknown kinds stay generic). */
    static List<HasMetadata> parse(String yaml) {
        Object parsed = SERIALIZATION.unmarshal(yaml);
        List<HasMetadata> resources = new ArrayList<>();
        for (Object item : parsed instanceof List<?> list ? list : List.of(parsed)) {
            if (!(item instanceof HasMetadata resource)) {
                throw new AssertionError("not a Kubernetes object: " + item);
            }
            resources.add(resource);
        }
        return resources;
    }

    /** The one object of {@code type} named {@code name}; fails if there is none or more than one. */
    static <T extends HasMetadata> T one(List<HasMetadata> resources, Class<T> type, String name) {
        List<T> found = all(resources, type).stream()
                .filter(resource -> name.equals(resource.getMetadata().getName()))
                .toList();
        if (found.size() != 1) {
            throw new AssertionError(
                    "got " + found.size() + " " + type.getSimpleName() + " named " + name + ", want 1");
        }
        return found.get(0);
    }

    /** The one object of {@code kind} named {@code name}, for kinds fabric8 has no class for (CRDs). */
    static GenericKubernetesResource generic(List<HasMetadata> resources, String kind, String name) {
        List<GenericKubernetesResource> found = all(resources, GenericKubernetesResource.class).stream()
                .filter(resource -> kind.equals(resource.getKind())
                        && name.equals(resource.getMetadata().getName()))
                .toList();
        if (found.size() != 1) {
            throw new AssertionError("got " + found.size() + " " + kind + " named " + name + ", want 1");
        }
        return found.get(0);
    }

    static <T extends HasMetadata> List<T> all(List<HasMetadata> resources, Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** kind/namespace/name of each object, to compare whole renderings. */
    static List<String> ids(List<HasMetadata> resources) {
        return resources.stream().map(Manifests::id).toList();
    }

    static String id(HasMetadata resource) {
        String namespace = resource.getMetadata().getNamespace();
        return resource.getKind() + "/" + (namespace == null ? "" : namespace + "/")
                + resource.getMetadata().getName();
    }

    /**
     * Paths of fields fabric8 did not recognise (they land in {@code additionalProperties}), which is
     * how a misspelt or misplaced field shows up. Generic objects (custom resources) are not checked.
     */
    static List<String> unknownFields(HasMetadata resource) {
        List<String> found = new ArrayList<>();
        walk(resource, id(resource), found, Collections.newSetFromMap(new IdentityHashMap<>()));
        return found;
    }

    private static void walk(Object value, String path, List<String> found, Set<Object> seen) {
        if (value == null || value instanceof GenericKubernetesResource || !seen.add(value)) {
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> walk(item, path + "." + key, found, seen));
            return;
        }
        if (value instanceof Collection<?> collection) {
            int index = 0;
            for (Object item : collection) {
                walk(item, path + "[" + index++ + "]", found, seen);
            }
            return;
        }
        if (!value.getClass().getPackageName().startsWith(MODEL_PACKAGE)) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (!isModelGetter(getter)) {
                continue;
            }
            Object child = invoke(getter, value);
            if (getter.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    found.add(path + ": " + extra.keySet());
                }
            } else {
                walk(child, path + "." + property(getter), found, seen);
            }
        }
    }

    private static boolean isModelGetter(Method method) {
        Class<?> owner = method.getDeclaringClass();
        return method.getParameterCount() == 0
                && !Modifier.isStatic(method.getModifiers())
                && !owner.isInterface()
                && owner.getPackageName().startsWith(MODEL_PACKAGE)
                && method.getName().startsWith("get")
                && method.getName().length() > 3;
    }

    private static String property(Method getter) {
        String name = getter.getName().substring(3);
        return Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new AssertionError("cannot read " + getter + " of " + target, e);
        }
    }
}
