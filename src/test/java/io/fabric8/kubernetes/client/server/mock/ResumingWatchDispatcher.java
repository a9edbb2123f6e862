package io.fabric8.kubernetes.client.server.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.mockwebserver.http.MockResponse;
import java.lang.reflect.Field;
import java.net.URI;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.Consumer;

/**
 * fabric8's CRUD dispatcher with watches that resume where the client's list ended, as the real API server's do.
 *
 * <p>fabric8's own dispatcher sends every stored object that matches as {@code ADDED} when a watch opens, whatever
 * {@code resourceVersion} the watch asks for. An informer lists first and then watches from the list's
 * resourceVersion, so against the mock it decodes every object twice, the second time while the app already serves:
 * with 11,010 pods that was about 80 MB of garbage in the native executable's old generation, and one full
 * collection of 137–183 ms in the middle of {@code make bench} (docs/benchmarks-notes.md, "Issue 14, fourth pass").
 * Here a watch from resourceVersion {@code n > 0} is sent only the stored objects whose resourceVersion is above
 * {@code n}; a watch without one (or from "0") gets fabric8's replay of everything, as the real API server's "any"
 * semantics allow. Deletions between the list and the watch are not replayed (the mock keeps no history).
 *
 * <p>In fabric8's package because {@link WatchEventsListener} is package-private; the listener's open action and
 * the dispatcher's lock are private, so they are reached by reflection, and a fabric8 upgrade that renames them
 * fails here loudly ({@code ResumingWatchDispatcherTest}).
 */
public class ResumingWatchDispatcher extends KubernetesCrudDispatcher {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Field ON_OPEN = field(WatchEventsListener.class, "onOpenAction");
    private static final Field LOCK = field(KubernetesCrudDispatcher.class, "lock");

    @Override
    public MockResponse handleWatch(String path) {
        MockResponse response = super.handleWatch(path);
        long from = resourceVersion(path);
        if (from > 0 && response.getWebSocketListener() instanceof WatchEventsListener listener) {
            Consumer<WatchEventsListener> sendChangedSince = watch -> {
                Lock read = lock().readLock();
                read.lock();
                try {
                    getMap().forEach((key, object) -> {
                        if (watch.attributeMatches(key) && resourceVersionOf(object) > from) {
                            watch.sendWebSocketResponse(object, Watcher.Action.ADDED);
                        }
                    });
                } finally {
                    read.unlock();
                }
            };
            try {
                ON_OPEN.set(listener, sendChangedSince);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        return response;
    }

    /** The {@code resourceVersion} query parameter of a watch request, or 0 when it is absent or not a number. */
    static long resourceVersion(String path) {
        String query = URI.create(path).getRawQuery();
        if (query == null) {
            return 0;
        }
        for (String parameter : query.split("&")) {
            if (parameter.startsWith("resourceVersion=")) {
                try {
                    return Long.parseLong(parameter.substring("resourceVersion=".length()));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    private static long resourceVersionOf(String object) {
        try {
            JsonNode version = JSON.readTree(object).path("metadata").path("resourceVersion");
            return Long.parseLong(version.asText("0"));
        } catch (Exception e) {
            return Long.MAX_VALUE; // unreadable: send it, as fabric8 would
        }
    }

    private ReadWriteLock lock() {
        try {
            return (ReadWriteLock) LOCK.get(this);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Field field(Class<?> owner, String name) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(
                    owner.getName() + " has no field " + name + ": fabric8's mock changed, see ResumingWatchDispatcher",
                    e);
        }
    }
}
