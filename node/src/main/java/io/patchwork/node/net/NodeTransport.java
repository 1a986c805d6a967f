package io.patchwork.node.net;

import io.grpc.BindableService;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * gRPC servers and channels for the nodes of one JVM, over TCP with mutual TLS.
 *
 * <p>All servers and channels made here share one Netty event loop group and one executor for
 * service calls, so a hundred nodes in one process cost a handful of threads, not hundreds.
 * Thread-safe; close it after every server and channel made from it.
 */
public final class NodeTransport implements AutoCloseable {
  /** Largest message a node accepts: a block of up to 100 MiB plus framing. */
  public static final int MAX_MESSAGE_BYTES = 110 * 1024 * 1024;

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ExecutorService executor;

  private NodeTransport(int eventLoopThreads, int executorThreads) {
    this.boss = new NioEventLoopGroup(1, threads("patchwork-grpc-accept"));
    this.workers = new NioEventLoopGroup(eventLoopThreads, threads("patchwork-grpc-io"));
    this.executor = Executors.newFixedThreadPool(executorThreads, threads("patchwork-grpc-call"));
  }

  /** A transport for one node: one I/O thread per core, a few call threads per core. */
  public static NodeTransport create() {
    return create(1);
  }

  /**
   * A transport shared by {@code nodes} nodes: one I/O thread per core, and call threads enough
   * that each node can have one waiting on its disk (a peer commits blocks on a call thread, and
   * each commit waits for its fsync) while the others keep serving.
   */
  public static NodeTransport create(int nodes) {
    int cores = Runtime.getRuntime().availableProcessors();
    return new NodeTransport(
        Math.max(2, cores), Math.max(Math.max(8, cores * 4), Math.min(256, nodes + cores * 4)));
  }

  /**
   * A node's TLS identity and whom it trusts. The certificate can be replaced by a renewal for the
   * same key while the node runs ({@link #renew}): every later handshake of its servers and
   * channels presents the new one; connections made before stay as they are.
   */
  public static final class TlsIdentity {
    private final PrivateKey privateKey;
    private final FollowingTrust trust;
    private volatile Presented presented;
    private volatile RenewableKeyManager keyManager;

    /** The certificate presented now, with the chain above it. */
    private record Presented(X509Certificate certificate, List<X509Certificate> chain) {}

    public TlsIdentity(
        X509Certificate certificate,
        List<X509Certificate> chain,
        PrivateKey privateKey,
        X509TrustManager trust) {
      this.presented =
          new Presented(Objects.requireNonNull(certificate, "certificate"), List.copyOf(chain));
      this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
      this.trust = new FollowingTrust(Objects.requireNonNull(trust, "trust"));
    }

    /** The certificate presented now. */
    public X509Certificate certificate() {
      return presented.certificate();
    }

    /** The certificates between {@link #certificate()} and a trust root, nearest first. */
    public List<X509Certificate> chain() {
      return presented.chain();
    }

    public PrivateKey privateKey() {
      return privateKey;
    }

    /** Whom this node trusts now; servers and channels made with it follow {@link #trustNow}. */
    public X509TrustManager trust() {
      return trust;
    }

    /**
     * Judges every later handshake of this node's servers and channels by {@code next}: the TLS
     * trust of the config the node now follows.
     */
    public void trustNow(X509TrustManager next) {
      trust.follow(next);
    }

    /**
     * Presents {@code renewed} (with {@code chain} above it) at every later handshake: a renewal of
     * the certificate for the same key.
     *
     * @throws IllegalArgumentException if it certifies another key
     */
    public void renew(X509Certificate renewed, List<X509Certificate> chain) {
      Objects.requireNonNull(renewed, "renewed");
      if (!Arrays.equals(
          renewed.getPublicKey().getEncoded(), certificate().getPublicKey().getEncoded())) {
        throw new IllegalArgumentException("the renewed TLS certificate certifies another key");
      }
      synchronized (this) {
        presented = new Presented(renewed, List.copyOf(chain));
        if (keyManager != null) {
          keyManager.present(buildKeyManager());
        }
      }
    }

    /**
     * A key manager presenting this identity, built on first use and shared by every server and
     * channel of the node (building one derives a key-store key, which is slow on purpose); it
     * follows {@link #renew}.
     */
    public KeyManager keyManager() {
      RenewableKeyManager built = keyManager;
      if (built == null) {
        synchronized (this) {
          built = keyManager;
          if (built == null) {
            built = new RenewableKeyManager(buildKeyManager());
            keyManager = built;
          }
        }
      }
      return built;
    }

    private X509ExtendedKeyManager buildKeyManager() {
      try {
        char[] password = new char[0];
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("node", privateKey, password, certificateChain());
        KeyManagerFactory factory =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, password);
        return (X509ExtendedKeyManager) factory.getKeyManagers()[0];
      } catch (GeneralSecurityException | IOException e) {
        throw new IllegalArgumentException("the TLS key and certificate cannot be used", e);
      }
    }

    X509Certificate[] certificateChain() {
      Presented now = presented;
      X509Certificate[] all = new X509Certificate[now.chain().size() + 1];
      all[0] = now.certificate();
      for (int i = 0; i < now.chain().size(); i++) {
        all[i + 1] = now.chain().get(i);
      }
      return all;
    }

    @Override
    public String toString() {
      return "TlsIdentity[" + certificate().getSubjectX500Principal() + "]";
    }
  }

  /**
   * Starts a server on {@code host:port} (0 picks a free port) that requires clients to present a
   * certificate the identity's trust manager accepts.
   */
  public Server startServer(
      String host, int port, TlsIdentity identity, List<BindableService> services)
      throws IOException {
    ServerCredentials credentials =
        TlsServerCredentials.newBuilder()
            .keyManager(identity.keyManager())
            .trustManager(identity.trust())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
            .build();
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials)
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .channelType(NioServerSocketChannel.class)
            .executor(executor)
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true);
    services.forEach(builder::addService);
    return builder.build().start();
  }

  /** A channel to {@code host:port} presenting the identity's certificate. */
  public ManagedChannel channel(String host, int port, TlsIdentity identity) {
    ChannelCredentials credentials =
        TlsChannelCredentials.newBuilder()
            .keyManager(identity.keyManager())
            .trustManager(identity.trust())
            .build();
    return NettyChannelBuilder.forAddress(host, port, credentials)
        .eventLoopGroup(workers)
        .channelType(NioSocketChannel.class)
        .executor(executor)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .keepAliveTime(30, TimeUnit.SECONDS)
        .build();
  }

  /** The executor service calls run on, for work that must not run on an event loop. */
  public ExecutorService executor() {
    return executor;
  }

  @Override
  public void close() {
    executor.shutdown();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
