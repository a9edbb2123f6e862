package dev.ordinal.realcluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A round-robin TCP balancer with TLS passthrough on 127.0.0.1, standing in for the webhook Service in front of
 * Ordinal's replicas: each connection goes to the next backend that accepts it, so a killed replica only costs a
 * retry of the connect. With no backend left, connections are closed at once, and the API server fails the webhook
 * call (fail closed), as with a Service that has no ready endpoints.
 */
final class TcpBalancer implements AutoCloseable {

    private final ServerSocket server;
    private final List<Integer> backends = new CopyOnWriteArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong connections = new AtomicLong();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    TcpBalancer(int port) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        try {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new IOException(
                    "cannot listen on 127.0.0.1:" + port + ", where deploy/overlays/out-of-cluster"
                            + " sends webhook calls; stop whatever holds that port (a `make run`?)",
                    e);
        }
        acceptor = new Thread(this::acceptLoop, "balancer-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    void add(int backendPort) {
        backends.add(backendPort);
    }

    void remove(int backendPort) {
        backends.remove(Integer.valueOf(backendPort));
    }

    /** Connections accepted so far. */
    long connections() {
        return connections.get();
    }

    /**
     * Closes every connection it carries, as a restarted Service proxy would: clients must dial, and shake hands,
     * again. Returns how many it closed.
     */
    int dropConnections() {
        int dropped = 0;
        for (Socket client : open) {
            closeQuietly(client);
            dropped++;
        }
        return dropped;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                connections.incrementAndGet();
                Socket backend = connect();
                if (backend == null) {
                    client.close();
                    continue;
                }
                open.add(client);
                pump(client, backend);
                pump(backend, client);
            } catch (IOException e) {
                // closed, or one connection failed: keep serving the others
            }
        }
    }

    private Socket connect() {
        List<Integer> ports = List.copyOf(backends);
        for (int i = 0; i < ports.size(); i++) {
            int port = ports.get(Math.floorMod(next.getAndIncrement(), ports.size()));
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return s;
            } catch (IOException e) {
                closeQuietly(s);
            }
        }
        return null;
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(
                () -> {
                    byte[] buffer = new byte[16 * 1024];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            out.write(buffer, 0, n);
                            out.flush();
                        }
                    } catch (IOException e) {
                        // one side went away
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                        open.remove(from);
                    }
                },
                "balancer-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
