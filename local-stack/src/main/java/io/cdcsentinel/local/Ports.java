package io.cdcsentinel.local;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for the local servers.
 *
 * <p>Ports are drawn below the kernel's ephemeral range ({@code ip_local_port_range}): a port handed out
 * by {@code bind(0)} comes from that range, where any outgoing connection may also take it while a
 * server is down, and then a broker restarted after {@code kill -9} could not bind its old port again.
 */
public final class Ports {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int LOWEST = 10_000;

    private Ports() {
    }

    /** True if nothing listens on {@code 127.0.0.1:port} and a server could bind it now. */
    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(LOOPBACK, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** True if something accepts TCP connections on {@code 127.0.0.1:port}. */
    static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code count} distinct free ports, held open together while they are chosen so none is handed out twice. */
    static List<Integer> allocate(int count) {
        int ephemeralLow = ephemeralRangeStart();
        List<ServerSocket> held = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        try {
            int attempts = 0;
            while (ports.size() < count) {
                int candidate = ephemeralLow - LOWEST > 1000 && attempts++ < 500
                        ? ThreadLocalRandom.current().nextInt(LOWEST, ephemeralLow) : 0;
                ServerSocket socket = new ServerSocket();
                try {
                    socket.setReuseAddress(true);
                    socket.bind(new InetSocketAddress(LOOPBACK, candidate));
                } catch (IOException taken) {
                    socket.close();
                    continue;
                }
                held.add(socket);
                ports.add(socket.getLocalPort());
            }
            return ports;
        } catch (IOException e) {
            throw new StackException("cannot allocate loopback ports: " + e.getMessage(), e);
        } finally {
            for (ServerSocket socket : held) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a bound, unconnected socket does not fail in practice
                }
            }
        }
    }

    private static int ephemeralRangeStart() {
        // Read as a stream: some kernels (gVisor) report a size for /proc/sys files that cuts Files.readString short.
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            String range = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            return Integer.parseInt(range.strip().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
