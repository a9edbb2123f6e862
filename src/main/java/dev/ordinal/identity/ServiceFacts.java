package dev.ordinal.identity;

import io.fabric8.kubernetes.api.model.Service;
import java.util.Map;

/** What the rules need to know about the headless Service a set names: whether it exists and is usable. */
public record ServiceFacts(boolean exists, boolean headless, boolean selectsSet) {

    /** No Service of that name exists. */
    public static final ServiceFacts MISSING = new ServiceFacts(false, false, false);

    /** Facts about {@code service} (may be null) for set {@code set}. */
    public static ServiceFacts of(Service service, String set) {
        if (service == null) {
            return MISSING;
        }
        boolean headless =
                service.getSpec() != null && "None".equals(service.getSpec().getClusterIP());
        Map<String, String> selector =
                service.getSpec() == null ? null : service.getSpec().getSelector();
        boolean selects = selector != null && set.equals(selector.get(OrdinalKeys.SET_LABEL));
        return new ServiceFacts(true, headless, selects);
    }
}
