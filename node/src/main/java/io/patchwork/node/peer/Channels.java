package io.patchwork.node.peer;

import io.grpc.ManagedChannel;
import io.patchwork.node.net.NodeTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/** The client channels one node opens to others, closed together with the node. Thread-safe. */
final class Channels implements AutoCloseable {
  private final NodeTransport transport;
  private final NodeTransport.TlsIdentity tls;
  private final List<ManagedChannel> open = new ArrayList<>();
  private boolean closed;

  Channels(NodeTransport transport, NodeTransport.TlsIdentity tls) {
    this.transport = transport;
    this.tls = tls;
  }

  synchronized ManagedChannel open(String host, int port) {
    if (closed) {
      throw new IllegalStateException("the node is stopping");
    }
    ManagedChannel channel = transport.channel(host, port, tls);
    open.add(channel);
    return channel;
  }

  /** A stub on a channel opened the first time the stub is asked for. */
  <T> Supplier<T> lazily(String host, int port, Function<ManagedChannel, T> stub) {
    return new Supplier<>() {
      private T value;

      @Override
      public synchronized T get() {
        if (value == null) {
          value = stub.apply(open(host, port));
        }
        return value;
      }
    };
  }

  @Override
  public synchronized void close() {
    closed = true;
    open.forEach(ManagedChannel::shutdownNow);
    open.clear();
  }
}
