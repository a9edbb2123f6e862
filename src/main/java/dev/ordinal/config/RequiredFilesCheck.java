package dev.ordinal.config;

import io.quarkus.runtime.ExecutionMode;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import java.util.Set;

/**
 * Runs {@link RequiredFiles} when the runtime configuration first reads the webhook certificate setting: that is
 * before the TLS registry opens the files (a {@code @Startup} bean would run after it has failed with ~35 lines of
 * stack trace, or with nothing at all but the banner when the console log is async). A problem ends the start with
 * a {@link ConfigurationException}; SmallRye Config reports it as a validation problem, which Quarkus prints to
 * stderr as {@code Configuration validation failed:} and one line per problem, without a stack trace. Only at
 * runtime init: the build and the static init never open the files.
 */
public class RequiredFilesCheck implements ConfigSourceInterceptor {

    private static final long serialVersionUID = 1L;

    private volatile boolean checked;

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!checked
                && RequiredFiles.CERT_SETTING.equals(name)
                && ExecutionMode.current() == ExecutionMode.RUNTIME_INIT) {
            checked = true;
            ConfigValue key = context.proceed(RequiredFiles.KEY_SETTING);
            RequiredFiles.problem(
                            value == null ? null : value.getValue(),
                            key == null ? null : key.getValue(),
                            System.getenv("KUBECONFIG"))
                    .ifPresent(problem -> {
                        throw new MissingFile(problem);
                    });
        }
        return value;
    }

    /** Its {@code toString} is the message alone: SmallRye Config prints the problem with it. */
    static final class MissingFile extends ConfigurationException {
        private static final long serialVersionUID = 1L;

        MissingFile(String message) {
            super(message, Set.of(RequiredFiles.CERT_SETTING));
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }
}
