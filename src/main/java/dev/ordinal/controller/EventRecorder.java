package dev.ordinal.controller;

import dev.ordinal.plan.ControllerEvent;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Records core v1 Events about pods and Services, as client-go's recorder does: a new Event gets a unique name
 * ({@code <object>.<hex>}) and is created; the same event again (same object, reason and message) within this
 * process is a patch of its {@code count} and {@code lastTimestamp}. Uses only {@code create} and {@code patch}.
 * An Event that cannot be written is logged and dropped: Events are information, never correctness state.
 *
 * <p>The controller hands its Events over with {@link #submit}: one background thread writes them in order, so a
 * reconcile never waits for an Event write (a gate release used to queue behind one Event per waiting pod, and its
 * latency grew with the set). A full queue drops the Event with a DEBUG line.
 */
final class EventRecorder implements AutoCloseable {

    /** {@code source.component}, as kubectl describe shows it. */
    static final String SOURCE_COMPONENT = "ordinal-controller";
    /** {@code reportingComponent} (the events.k8s.io {@code reportingController}). */
    static final String REPORTING_COMPONENT = "ordinal.dev/controller";
    /** The API server rejects longer messages. */
    static final int MAX_MESSAGE = 1024;

    private static final int REMEMBERED = 1024;
    /** Events waiting to be written; more are dropped. */
    static final int QUEUE = 10_000;

    private static final Logger LOG = Logger.getLogger(EventRecorder.class);

    private final KubernetesClient client;
    private final String instance;
    private final Clock clock;
    private final AtomicLong sequence = new AtomicLong();
    private final Map<String, Recorded> recent = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Recorded> eldest) {
            return size() > REMEMBERED;
        }
    };

    private final AtomicLong dropped = new AtomicLong();
    private final ExecutorService writer =
            new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
                Thread t = new Thread(r, "ordinal-controller-events");
                t.setDaemon(true);
                return t;
            });

    private record Recorded(String namespace, String name, int count) {}

    EventRecorder(KubernetesClient client, String instance, Clock clock) {
        this.client = client;
        this.instance = instance;
        this.clock = clock;
    }

    /**
     * Records {@code event} about {@code involved} on the background writer, if {@code stillLeading} holds when its
     * turn comes (a replica that lost the Lease writes nothing). Returns at once.
     */
    void submit(HasMetadata involved, ControllerEvent event, BooleanSupplier stillLeading) {
        try {
            writer.execute(() -> {
                if (stillLeading.getAsBoolean()) {
                    record(involved, event);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debugf(
                    "event %s on %s %s/%s dropped (%d so far): %d Events are waiting to be written, or the"
                            + " controller stopped",
                    event.reason(),
                    involved.getKind(),
                    involved.getMetadata().getNamespace(),
                    involved.getMetadata().getName(),
                    dropped.incrementAndGet(),
                    QUEUE);
        }
    }

    /** Stops the writer; Events still queued are dropped. */
    @Override
    public void close() {
        writer.shutdownNow();
    }

    /** Records {@code event} about {@code involved} (a Pod or Service read from the cache or the API). */
    void record(HasMetadata involved, ControllerEvent event) {
        String namespace = involved.getMetadata().getNamespace();
        String message = event.message().length() > MAX_MESSAGE
                ? event.message().substring(0, MAX_MESSAGE - 1) + "…"
                : event.message();
        String key = involved.getKind() + "/" + namespace + "/"
                + involved.getMetadata().getName() + "/"
                + involved.getMetadata().getUid() + "/" + event.reason() + "/" + message;
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        try {
            Recorded seen;
            synchronized (recent) {
                seen = recent.get(key);
            }
            if (seen != null && increment(seen, now)) {
                synchronized (recent) {
                    recent.put(key, new Recorded(seen.namespace(), seen.name(), seen.count() + 1));
                }
                return;
            }
            Event created = client.v1()
                    .events()
                    .inNamespace(namespace)
                    .resource(build(involved, event, message, now))
                    .create();
            synchronized (recent) {
                recent.put(key, new Recorded(namespace, created.getMetadata().getName(), 1));
            }
        } catch (KubernetesClientException e) {
            LOG.warnf(
                    "could not record event %s on %s %s/%s: %s",
                    event.reason(),
                    involved.getKind(),
                    namespace,
                    involved.getMetadata().getName(),
                    e.getMessage());
        }
    }

    private boolean increment(Recorded seen, String now) {
        try {
            // resource(stub), not withName(name): fabric8 would GET the Event first (an extra call and RBAC verb).
            Event stub = new EventBuilder()
                    .withNewMetadata()
                    .withName(seen.name())
                    .withNamespace(seen.namespace())
                    .endMetadata()
                    .build();
            client.v1()
                    .events()
                    .inNamespace(seen.namespace())
                    .resource(stub)
                    .patch(
                            PatchContext.of(PatchType.JSON_MERGE),
                            "{\"count\":" + (seen.count() + 1) + ",\"lastTimestamp\":\"" + now + "\"}");
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                return false; // expired (Events live an hour by default): create a new one
            }
            throw e;
        }
    }

    private Event build(HasMetadata involved, ControllerEvent event, String message, String now) {
        Instant at = clock.instant();
        String name = involved.getMetadata().getName() + "."
                + Long.toHexString(at.getEpochSecond() * 1_000_000_000L + at.getNano() + sequence.incrementAndGet());
        return new EventBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(involved.getMetadata().getNamespace())
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder()
                        .withApiVersion(involved.getApiVersion() == null ? "v1" : involved.getApiVersion())
                        .withKind(involved.getKind())
                        .withNamespace(involved.getMetadata().getNamespace())
                        .withName(involved.getMetadata().getName())
                        .withUid(involved.getMetadata().getUid())
                        .build())
                .withType(event.type().name())
                .withReason(event.reason())
                .withMessage(message)
                .withNewSource()
                .withComponent(SOURCE_COMPONENT)
                .endSource()
                .withReportingComponent(REPORTING_COMPONENT)
                .withReportingInstance(instance)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .build();
    }
}
