package io.cdcsentinel.sink;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of ClickHouse's HTTP port that passes every request through and, for the first
 * {@code drops} INSERTs, closes the client's connection the moment the server answers: the INSERT has
 * been committed, and the client never learns it. The ambiguous failure every at-least-once sink turns
 * into a duplicate.
 */
final class AckDroppingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final AtomicInteger dropsLeft;
    private final AtomicInteger dropped = new AtomicInteger();
    private final Thread acceptor;

    AckDroppingProxy(URI clickhouse, int drops) throws IOException {
        this.target = new InetSocketAddress(clickhouse.getHost(), clickhouse.getPort());
        this.dropsLeft = new AtomicInteger(drops);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "ack-dropping-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    int dropped() {
        return dropped.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                Connection connection = new Connection(client, upstream);
                Thread up = new Thread(connection::pumpRequests, "proxy-up");
                Thread down = new Thread(connection::pumpResponses, "proxy-down");
                up.setDaemon(true);
                down.setDaemon(true);
                up.start();
                down.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private final class Connection {
        final Socket client;
        final Socket upstream;
        /** Set when the request being relayed is an INSERT whose answer is to be dropped. */
        volatile boolean dropNextAnswer;

        Connection(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void pumpRequests() {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = client.getInputStream(); OutputStream out = upstream.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    String head = new String(buf, 0, Math.min(n, 2048), StandardCharsets.ISO_8859_1);
                    if (head.startsWith("POST ") && head.contains("JSONEachRow") && dropsLeft.getAndDecrement() > 0) {
                        dropNextAnswer = true;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // either side closed
            } finally {
                closeBoth();
            }
        }

        void pumpResponses() {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = upstream.getInputStream(); OutputStream out = client.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (dropNextAnswer) {
                        dropped.incrementAndGet();
                        return; // the INSERT is committed; its acknowledgement never arrives
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // either side closed
            } finally {
                closeBoth();
            }
        }

        void closeBoth() {
            try {
                client.close();
            } catch (IOException ignored) {
                // closing
            }
            try {
                upstream.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
