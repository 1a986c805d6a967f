package io.patchwork.node.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TCP ports for embedded nodes. They come from below the kernels' ephemeral ranges (Linux starts at
 * 32768, Windows and macOS at 49152), so an outgoing connection cannot take one between the moment
 * it is chosen and the moment the node binds it; and never the same one twice in a process.
 * Thread-safe.
 */
final class Ports {
  private static final int FLOOR = 20_000;
  private static final int CEILING = 32_000;
  private static final AtomicInteger next =
      new AtomicInteger(FLOOR + ThreadLocalRandom.current().nextInt(CEILING - FLOOR));

  private Ports() {}

  /** A port free on {@code bindHost} now, for a node to bind a moment later. */
  static int free(String bindHost) {
    InetSocketAddress probe = new InetSocketAddress(bindHost, 0);
    for (int attempt = 0; attempt < CEILING - FLOOR; attempt++) {
      int port = FLOOR + Math.floorMod(next.getAndIncrement() - FLOOR, CEILING - FLOOR);
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(false);
        socket.bind(new InetSocketAddress(probe.getAddress(), port), 1);
        return port;
      } catch (IOException inUse) {
        // taken by something else: try the next one
      }
    }
    throw new UncheckedIOException(
        new IOException("no free port on " + bindHost + " between " + FLOOR + " and " + CEILING));
  }
}
