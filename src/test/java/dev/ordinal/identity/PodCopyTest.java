package dev.ordinal.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link PodCopy} passes fabric8's all-arguments constructors by position. For each property of {@code Pod},
 * {@code ObjectMeta} and {@code PodSpec} (found by reflection, so a property the copy misses is found too) this sets
 * that one property, copies, and requires every getter of the copy to return the very value the original holds: a
 * swapped or forgotten argument moves or loses the value.
 */
class PodCopyTest {

    /** Getters whose value the copy holds a copy of (the parts it edits, and the unknown fields' map). */
    private static final List<String> COPIED = List.of("getMetadata", "getSpec", "getAdditionalProperties");

    static Stream<Arguments> properties() {
        return Stream.of(
                        properties(Pod.class, pod -> pod),
                        properties(ObjectMeta.class, pod -> pod.getMetadata()),
                        properties(PodSpec.class, pod -> pod.getSpec()))
                .flatMap(s -> s);
    }

    private static Stream<Arguments> properties(Class<?> type, Function<Pod, Object> part) {
        return setters(type)
                .map(setter -> Arguments.argumentSet(
                        type.getSimpleName() + "." + setter.getName().substring(3), type, setter, part));
    }

    @ParameterizedTest
    @MethodSource("properties")
    void copiesEachPropertyIntoItsOwnPlace(Class<?> type, Method setter, Function<Pod, Object> part) throws Exception {
        Pod original = blank();
        setter.invoke(part.apply(original), valueFor(setter.getParameterTypes()[0]));
        part.apply(original)
                .getClass()
                .getMethod("setAdditionalProperty", String.class, Object.class)
                .invoke(part.apply(original), "future", setter.getName());

        Pod copy = PodCopy.sharingUnowned(original);

        assertThat(part.apply(copy)).as("the copy's %s", type.getSimpleName()).isNotSameAs(part.apply(original));
        for (Method getter : getters(type)) {
            Object copied = getter.invoke(part.apply(copy));
            Object held = getter.invoke(part.apply(original));
            String what = getter.getName() + " of the copy after " + setter.getName();
            if (COPIED.contains(getter.getName())) {
                assertThat(copied).as(what).isEqualTo(held);
            } else {
                assertThat(copied).as(what).isSameAs(held);
            }
        }
        assertThat(part.apply(copy)).isEqualTo(part.apply(original));
    }

    /** A pod, metadata and spec with every property null, so only the property under test holds a value. */
    private static Pod blank() throws Exception {
        Pod pod = new Pod();
        pod.setMetadata(new ObjectMeta());
        pod.setSpec(new PodSpec());
        for (Object part : List.of(pod.getMetadata(), pod.getSpec())) {
            for (Method setter : setters(part.getClass()).toList()) {
                setter.invoke(part, (Object) null);
            }
        }
        return pod;
    }

    private static Stream<Method> setters(Class<?> type) {
        return Arrays.stream(type.getMethods())
                .filter(m -> m.getName().startsWith("set")
                        && m.getParameterCount() == 1
                        && m.getDeclaringClass() == type
                        && !m.getName().equals("setAdditionalProperties")
                        && !(type == Pod.class
                                && List.of("setMetadata", "setSpec").contains(m.getName())))
                .sorted((a, b) -> a.getName().compareTo(b.getName()));
    }

    private static List<Method> getters(Class<?> type) {
        List<Method> getters = new ArrayList<>();
        for (Method setter : setters(type).toList()) {
            try {
                getters.add(type.getMethod("get" + setter.getName().substring(3)));
            } catch (NoSuchMethodException e) {
                throw new AssertionError("no getter for " + setter, e);
            }
        }
        getters.add(methodOf(type, "getAdditionalProperties"));
        return getters;
    }

    private static Method methodOf(Class<?> type, String name) {
        try {
            return type.getMethod(name);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    private static Object valueFor(Class<?> type) throws Exception {
        if (type == String.class) {
            return "value";
        }
        if (type == Boolean.class) {
            return Boolean.TRUE;
        }
        if (type == Long.class) {
            return 7L;
        }
        if (type == Integer.class) {
            return 7;
        }
        if (type == List.class) {
            return new ArrayList<>();
        }
        if (type == Map.class) {
            return new HashMap<>();
        }
        return type.getDeclaredConstructor().newInstance();
    }
}
