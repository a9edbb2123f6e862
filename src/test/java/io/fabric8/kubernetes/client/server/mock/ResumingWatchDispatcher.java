package io.fabric8.kubernetes.client.server.mock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.mockwebserver.http.MockResponse;
import java.lang.reflect.Field;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.Consumer;

/**
 * fabric8's CRUD dispatcher with watches that resume where the client's list ended, and lists served in pages, as the
 * real API server's are.
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
 * <p>A list with {@code limit=n} gets its first {@code n} objects and a {@code metadata.continue} token; a request
 * with that token gets the next {@code n} from the same snapshot, at the same list resourceVersion, until a page
 * without a token ends it. fabric8's dispatcher ignores {@code limit} and answers everything at once, so an informer
 * with a page size ({@code ordinal.cache.list-page-size}) would hold the whole list in memory as without one. A
 * token that is unknown (or already used) is answered 410 Expired, as the API server answers a compacted one.
 *
 * <p>In fabric8's package because {@link WatchEventsListener} is package-private; the listener's open action and
 * the dispatcher's lock are private, so they are reached by reflection, and a fabric8 upgrade that renames them
 * fails here loudly ({@code ResumingWatchDispatcherTest}).
 */
public class ResumingWatchDispatcher extends KubernetesCrudDispatcher {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Field ON_OPEN = field(WatchEventsListener.class, "onOpenAction");
    private static final Field LOCK = field(KubernetesCrudDispatcher.class, "lock");

    /** A paged list's snapshot: its head (apiVersion, kind, resourceVersion), all its items, where the next page starts. */
    private record Snapshot(ObjectNode head, ArrayNode items, int next) {}

    /** The snapshot each continue token asks for the rest of. */
    private final Map<String, Snapshot> continued = new ConcurrentHashMap<>();

    private final AtomicLong tokens = new AtomicLong();

    @Override
    public MockResponse handleGet(String path) {
        String token = queryParameter(path, "continue");
        long limit = longOrZero(queryParameter(path, "limit"));
        if (token != null && !token.isEmpty()) {
            Snapshot rest = continued.remove(token);
            if (rest == null) {
                return new MockResponse()
                        .setResponseCode(410)
                        .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                                + "\"reason\":\"Expired\",\"code\":410,"
                                + "\"message\":\"The provided continue parameter is too old or unknown\"}");
            }
            return page(rest, limit);
        }
        MockResponse response = super.handleGet(path);
        if (limit <= 0 || response.code() != 200 || response.getBody() == null) {
            return response;
        }
        try {
            JsonNode list = JSON.readTree(response.getBody().getBytes());
            if (!(list instanceof ObjectNode head) || !(list.get("items") instanceof ArrayNode items)) {
                return response; // a single object, not a list
            }
            head.remove("items");
            return page(new Snapshot(head, items, 0), limit);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("fabric8's mock answered a list that is not JSON", e);
        }
    }

    /** The next {@code limit} items of {@code list}, with a token for the rest when there is any. */
    private MockResponse page(Snapshot list, long limit) {
        ObjectNode page = list.head().deepCopy();
        ObjectNode metadata = page.with("metadata");
        metadata.remove("continue");
        ArrayNode shown = page.putArray("items");
        int size = list.items().size();
        int end = limit <= 0 ? size : (int) Math.min(size, list.next() + limit);
        for (int i = list.next(); i < end; i++) {
            shown.add(list.items().get(i));
        }
        if (end < size) {
            String token = "page-" + tokens.incrementAndGet();
            continued.put(token, new Snapshot(list.head(), list.items(), end));
            metadata.put("continue", token);
        }
        try {
            return new MockResponse().setResponseCode(200).setBody(JSON.writeValueAsBytes(page));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

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
        return longOrZero(queryParameter(path, "resourceVersion"));
    }

    /** The (URL-decoded) value of query parameter {@code name} of {@code path}, or null when it has none. */
    static String queryParameter(String path, String name) {
        String query = URI.create(path).getRawQuery();
        if (query == null) {
            return null;
        }
        for (String parameter : query.split("&")) {
            if (parameter.startsWith(name + "=")) {
                return URLDecoder.decode(parameter.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static long longOrZero(String value) {
        try {
            return value == null ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
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
