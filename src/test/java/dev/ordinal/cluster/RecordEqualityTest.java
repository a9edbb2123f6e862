package dev.ordinal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.identity.ClaimRetention;
import dev.ordinal.identity.SetSettings;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * The records compared on every watch event and review write out equals and hashCode: the generated ones bootstrap
 * through {@code java.lang.runtime.ObjectMethods}, which the native executable interprets. With them, the native app
 * served 18 reviews/s instead of thousands while pods of a 10,000-pod set changed (docs/benchmarks-notes.md).
 */
class RecordEqualityTest {

    @ParameterizedTest
    @ValueSource(classes = {SetKey.class, SetSettings.class, ClaimRetention.class})
    void equalsAndHashCodeDoNotGoThroughObjectMethods(Class<?> record) throws IOException {
        assertThat(methodsBootstrappedByObjectMethods(record)).doesNotContain("equals", "hashCode");
    }

    @Test
    void theCheckSeesGeneratedMethods() throws IOException {
        assertThat(methodsBootstrappedByObjectMethods(Generated.class)).containsExactlyInAnyOrder("equals", "hashCode");
    }

    record Generated(String a, int b) {
        @Override
        public String toString() {
            return a + b;
        }
    }

    static List<String> methodsBootstrappedByObjectMethods(Class<?> type) throws IOException {
        List<String> found = new ArrayList<>();
        try (InputStream in = type.getResourceAsStream("/" + type.getName().replace('.', '/') + ".class")) {
            new ClassReader(in)
                    .accept(
                            new ClassVisitor(Opcodes.ASM9) {
                                @Override
                                public MethodVisitor visitMethod(
                                        int access,
                                        String name,
                                        String descriptor,
                                        String signature,
                                        String[] exceptions) {
                                    return new MethodVisitor(Opcodes.ASM9) {
                                        @Override
                                        public void visitInvokeDynamicInsn(
                                                String indyName,
                                                String indyDescriptor,
                                                Handle bootstrap,
                                                Object... args) {
                                            if (bootstrap.getOwner().equals("java/lang/runtime/ObjectMethods")) {
                                                found.add(name);
                                            }
                                        }
                                    };
                                }
                            },
                            ClassReader.SKIP_FRAMES);
        }
        return found;
    }
}
