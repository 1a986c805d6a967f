package io.patchwork.node.peer;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.contract.ContractRegistry;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.net.NodeTransport;
import io.patchwork.node.state.StateResources;
import io.patchwork.node.state.TxRecord;
import io.patchwork.node.state.WorldState;
import io.patchwork.node.store.BlockStore;
import io.patchwork.node.tx.EnvelopeHeaders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running peer: its ledger (block store and world state under its data directory), a gRPC server
 * with Fabric's Gateway, Endorser and Deliver services, and a puller that keeps it up with the
 * orderers.
 */
public final class PeerNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PeerNode.class);

  /** What a peer needs to start. */
  public record Config(
      String nodeId,
      String mspId,
      String host,
      int port,
      Path dataDirectory,
      Block genesis,
      NodeSigner signer,
      NodeTransport.TlsIdentity tls,
      ContractRegistry contracts,
      SignatureVerifier verifier,
      StateResources stateResources,
      ScheduledExecutorService scheduler,
      Clock clock,
      Optional<Path> snapshot) {
    public Config {
      Objects.requireNonNull(snapshot, "snapshot");
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(mspId, "mspId");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(dataDirectory, "dataDirectory");
      Objects.requireNonNull(genesis, "genesis");
      Objects.requireNonNull(signer, "signer");
      Objects.requireNonNull(tls, "tls");
      Objects.requireNonNull(contracts, "contracts");
      Objects.requireNonNull(verifier, "verifier");
      Objects.requireNonNull(stateResources, "stateResources");
      Objects.requireNonNull(scheduler, "scheduler");
      Objects.requireNonNull(clock, "clock");
    }
  }

  private final Config config;
  private final PeerLedger ledger;
  private final Server server;
  private final BlockPuller puller;
  private final Channels channels;
  private final OrdererClient orderers;
  private final CommitWaits commits;
  private final Endorser endorser;

  private PeerNode(
      Config config,
      PeerLedger ledger,
      Server server,
      BlockPuller puller,
      Channels channels,
      OrdererClient orderers,
      CommitWaits commits,
      Endorser endorser) {
    this.config = config;
    this.ledger = ledger;
    this.server = server;
    this.puller = puller;
    this.channels = channels;
    this.orderers = orderers;
    this.commits = commits;
    this.endorser = endorser;
  }

  /**
   * Opens the peer's ledger (recovering after a crash), starts its gRPC server and starts pulling
   * blocks. Returns once the server is bound.
   */
  public static PeerNode start(Config config, NodeTransport transport)
      throws IOException, ConfigException {
    PeerLedger ledger = openLedger(config);
    // A restarted peer may be past genesis: trust the config in force now.
    config.tls().trustNow(ledger.rules().tlsTrust());
    Channels channels = new Channels(transport, config.tls());
    try {
      LedgerRules rules = ledger.rules();
      List<OrdererClient.Endpoint> orderers = new ArrayList<>();
      for (Orderer orderer : rules.orderers()) {
        ManagedChannel channel = channels.open(orderer.getHost(), orderer.getPort());
        orderers.add(
            new OrdererClient.Endpoint(
                orderer.getHost() + ":" + orderer.getPort(), AtomicBroadcastGrpc.newStub(channel)));
      }
      RemoteEndorsers remoteEndorsers =
          new RemoteEndorsers(remoteEndorsers(rules, config.mspId(), channels));
      // After every config change it commits: the TLS trust and the endorsers' addresses in force
      // (a peer another manager instance took over is asked at its new address).
      onConfigChange(
          ledger,
          next -> {
            config.tls().trustNow(next.tlsTrust());
            remoteEndorsers.replace(remoteEndorsers(next, config.mspId(), channels));
          });
      Endorser endorser =
          new Endorser(
              rules.ledgerId(),
              ledger::rules,
              ledger.state(),
              config.contracts(),
              config.signer(),
              config.verifier(),
              config.clock(),
              ledger::attestation,
              new SystemQueries(rules.ledgerId(), ledger.blocks(), ledger.state()::transaction));
      SignedRequests requests =
          new SignedRequests(ledger::rules, config.verifier(), config.clock());
      OrdererClient ordering = new OrdererClient(orderers);
      CommitWaits commits = new CommitWaits(ledger);
      GatewayService gateway =
          new GatewayService(
              config.host() + ":" + config.port(),
              config.mspId(),
              ledger,
              endorser,
              remoteEndorsers,
              ordering,
              commits,
              requests,
              transport.executor(),
              config.scheduler());
      Server server =
          transport.startServer(
              config.host(),
              config.port(),
              config.tls(),
              List.of(
                  intercepted(gateway, OwnPeerOnly.capture()),
                  endorserService(config, ledger, endorser, transport),
                  new DeliverService(ledger, requests, transport.executor())));
      BlockPuller puller =
          new BlockPuller(
              config.nodeId(),
              ledger,
              orderers,
              config.signer(),
              config.scheduler(),
              config.clock());
      puller.start();
      log.info(
          "peer.started node={} msp={} port={} height={}",
          config.nodeId(),
          config.mspId(),
          server.getPort(),
          ledger.height());
      return new PeerNode(config, ledger, server, puller, channels, ordering, commits, endorser);
    } catch (IOException | RuntimeException e) {
      channels.close();
      ledger.close();
      throw e;
    }
  }

  /**
   * The Endorser service, reading the height a gateway asks for ({@link ReadHeight}) and waiting
   * for it at most as long as {@code PATCHWORK_ENDORSE_WAIT} says.
   */
  private static BindableService endorserService(
      Config config, PeerLedger ledger, Endorser endorser, NodeTransport transport) {
    EndorserService service =
        new EndorserService(
            endorser,
            ledger,
            new HeightWaits(ledger),
            ReadHeight.configuredWait(),
            transport.executor(),
            config.nodeId() + " (" + config.host() + ":" + config.port() + ")");
    return intercepted(service, ReadHeight.capture());
  }

  private static BindableService intercepted(BindableService service, ServerInterceptor reading) {
    ServerServiceDefinition definition = ServerInterceptors.intercept(service, reading);
    return () -> definition;
  }

  /** Whether {@code dataDirectory} holds a peer's ledger already (a snapshot would be ignored). */
  public static boolean hasLedger(Path dataDirectory) {
    return Files.exists(dataDirectory.resolve("state"));
  }

  /**
   * The peer's ledger: from its data directory, or — for a new peer given a snapshot — from the
   * snapshot, so it replays only the blocks committed after it.
   */
  private static PeerLedger openLedger(Config config) throws IOException, ConfigException {
    Path blocksDirectory = config.dataDirectory().resolve("blocks");
    Path stateDirectory = config.dataDirectory().resolve("state");
    if (config.snapshot().isPresent() && !hasLedger(config.dataDirectory())) {
      return PeerLedger.openFromSnapshot(
          config.snapshot().get(),
          blocksDirectory,
          stateDirectory,
          config.stateResources(),
          config.genesis(),
          config.verifier());
    }
    BlockStore blocks = BlockStore.open(blocksDirectory);
    WorldState state;
    try {
      state = WorldState.open(stateDirectory, config.stateResources());
    } catch (IOException | RuntimeException e) {
      blocks.close();
      throw e;
    }
    try {
      return PeerLedger.open(blocks, state, config.genesis(), config.verifier());
    } catch (IOException | ConfigException | RuntimeException e) {
      state.close();
      blocks.close();
      throw e;
    }
  }

  /** The other organisations' peers the config in force lists, for endorsements. */
  private static List<RemoteEndorsers.Peer> remoteEndorsers(
      LedgerRules rules, String mspId, Channels channels) {
    List<RemoteEndorsers.Peer> peers = new ArrayList<>();
    for (Peer peer : rules.config().getPeersList()) {
      if (peer.getMspId().equals(mspId)) {
        continue;
      }
      peers.add(
          new RemoteEndorsers.Peer(
              peer.getHost() + ":" + peer.getPort(),
              peer.getMspId(),
              channels.lazily(peer.getHost(), peer.getPort(), channel -> channel)));
    }
    return peers;
  }

  /** Runs {@code action} with the new rules after every config change the peer commits. */
  private static void onConfigChange(PeerLedger ledger, Consumer<LedgerRules> action) {
    AtomicLong followed = new AtomicLong(ledger.rules().sequence());
    ledger.onCommit(
        block -> {
          LedgerRules rules = ledger.rules();
          if (followed.getAndSet(rules.sequence()) != rules.sequence()) {
            action.accept(rules);
          }
        });
  }

  public String nodeId() {
    return config.nodeId();
  }

  public String mspId() {
    return config.mspId();
  }

  /** The port its gRPC server is bound to. */
  public int port() {
    return server.getPort();
  }

  /** The address the peer's gRPC server listens on. */
  public String host() {
    return config.host();
  }

  public PeerLedger ledger() {
    return ledger;
  }

  /**
   * Completes with the transaction's record once this peer has committed it (at once if it has
   * already), from the commit itself: the one way to wait for a commit. Cancel it to stop waiting.
   */
  public CompletableFuture<TxRecord> awaitCommit(String txId) {
    return commits.await(txId);
  }

  /**
   * Sends a signed envelope to the ledger's ordering service as this peer — the orderer that took
   * the last one first, the others in turn if it cannot take it — and completes with the
   * transaction's record once this peer has committed it: no polling, the commit completes it.
   * Completes exceptionally with {@link NotOrderedException} if no orderer took it, with {@link
   * IllegalArgumentException} if the envelope has no readable header. Cancel the future to stop
   * waiting.
   */
  public CompletableFuture<TxRecord> submit(Envelope envelope) {
    String txId;
    try {
      txId = EnvelopeHeaders.read(envelope).txId();
    } catch (InvalidProtocolBufferException e) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("the envelope's payload cannot be decoded", e));
    }
    // Registered before the broadcast, so a commit that lands at once is not missed.
    CompletableFuture<TxRecord> committed = commits.await(txId);
    orderers
        .broadcast(envelope)
        .whenComplete(
            (answer, failure) -> {
              if (failure != null) {
                committed.completeExceptionally(
                    new NotOrderedException(txId, "no orderer answered: " + failure.getMessage()));
              } else if (answer.getStatus() != Status.SUCCESS) {
                committed.completeExceptionally(
                    new NotOrderedException(txId, answer.getStatus() + " " + answer.getInfo()));
              }
            });
    return committed;
  }

  /** No orderer of the ledger took a transaction; the message says what the last one answered. */
  public static final class NotOrderedException extends Exception {
    private static final long serialVersionUID = 1L;

    NotOrderedException(String txId, String reason) {
      super("the ordering service did not take transaction " + txId + ": " + reason);
    }
  }

  @Override
  public void close() throws IOException {
    puller.close();
    server.shutdownNow();
    channels.close();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    endorser.close();
    ledger.close();
    log.info("peer.stopped node={}", config.nodeId());
  }
}
