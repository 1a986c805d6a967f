package io.patchwork.node.host;

import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.api.NodePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TCP ports for embedded nodes, from the host's configured range ({@link NodePorts}; by default
 * below the kernels' ephemeral ranges, so that an outgoing connection cannot take one between the
 * moment it is chosen and the moment the node binds it). Successive calls walk the range from a
 * random start, so a process does not hand out the same port twice until it has gone round the
 * whole range. Thread-safe.
 */
final class Ports {
  private static final AtomicInteger next =
      new AtomicInteger(ThreadLocalRandom.current().nextInt());

  private Ports() {}

  /** A port of {@code addresses.ports()} free on {@code addresses.bind()} now, to bind shortly. */
  static int free(NodeAddresses addresses) {
    NodePorts range = addresses.ports();
    InetSocketAddress probe = new InetSocketAddress(addresses.bind(), 0);
    for (int attempt = 0; attempt < range.size(); attempt++) {
      int port = range.first() + Math.floorMod(next.getAndIncrement(), range.size());
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(false);
        socket.bind(new InetSocketAddress(probe.getAddress(), port), 1);
        return port;
      } catch (IOException inUse) {
        // taken by something else: try the next one
      }
    }
    throw new UncheckedIOException(
        new IOException(
            "no free port on "
                + addresses.bind()
                + " in the node port range "
                + range
                + ": every one is taken (widen PATCHWORK_NODE_PORTS)"));
  }
}
