package io.patchwork.node.host;

import io.grpc.Server;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerConfigs;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.contract.ContractRegistry;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.net.CertifiedNames;
import io.patchwork.node.net.NodeTransport;
import io.patchwork.node.order.BlockCutting;
import io.patchwork.node.order.OrdererConfig;
import io.patchwork.node.order.OrdererNode;
import io.patchwork.node.order.OrdererSpec;
import io.patchwork.node.peer.OrderedChain;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.state.StateResources;
import io.patchwork.node.update.ConfigChain;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import org.hyperledger.fabric.protos.common.Block;

/**
 * Starts one node of a ledger from its genesis block and its identity: the same path for a node
 * embedded with many others in one process and for a node a member runs on its own machine. The
 * node finds its role, organisation and addresses in the genesis config by its node id.
 */
final class NodeLauncher {
  /** Largest transaction envelope orderers accept. */
  public static final int MAX_ENVELOPE_BYTES = 4 * 1024 * 1024;

  private NodeLauncher() {}

  /** What the nodes of one process share: event loops, caches, timers, contracts, clock. */
  public record Shared(
      NodeTransport transport,
      SignatureVerifier verifier,
      StateResources stateResources,
      ScheduledExecutorService scheduler,
      ContractRegistry contracts,
      Clock clock) {
    public Shared {
      Objects.requireNonNull(transport, "transport");
      Objects.requireNonNull(verifier, "verifier");
      Objects.requireNonNull(stateResources, "stateResources");
      Objects.requireNonNull(scheduler, "scheduler");
      Objects.requireNonNull(contracts, "contracts");
      Objects.requireNonNull(clock, "clock");
    }
  }

  /** A node's identities: its signing key and certificate, and its TLS key and certificate. */
  public record NodeIdentity(String nodeId, NodeSigner signer, NodeTransport.TlsIdentity tls) {
    public NodeIdentity {
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(signer, "signer");
      Objects.requireNonNull(tls, "tls");
    }
  }

  /** A running orderer and the gRPC server that serves its Broadcast and Deliver. */
  public record RunningOrderer(OrdererNode node, Server server) implements AutoCloseable {
    /** Stops both at once, as a crash would look to the others. */
    @Override
    public void close() {
      server.shutdownNow();
      node.close();
    }
  }

  /** Which kind of node an id names in a ledger's config. */
  public enum Kind {
    ORDERER,
    PEER
  }

  /**
   * The kind of node {@code nodeId} is in the genesis config.
   *
   * @throws ConfigException if the genesis is not usable or does not list the node
   */
  public static Kind kindOf(Block genesis, String nodeId) throws ConfigException {
    LedgerRules rules = LedgerConfigs.fromGenesis(genesis);
    if (ordererEntry(rules, nodeId).isPresent()) {
      return Kind.ORDERER;
    }
    if (peerEntry(rules, nodeId).isPresent()) {
      return Kind.PEER;
    }
    throw new ConfigException(
        ConfigException.Code.UNKNOWN_NODE,
        "node " + nodeId + " is neither an orderer nor a peer of ledger " + rules.ledgerId());
  }

  /** Starts an orderer on its data directory (recovering what it had) and binds its server. */
  public static RunningOrderer startOrderer(
      Block genesis, NodeIdentity identity, Path dataDirectory, String bindHost, Shared shared)
      throws IOException, ConfigException {
    LedgerRules rules = LedgerConfigs.fromGenesis(genesis);
    Orderer self =
        ordererEntry(rules, identity.nodeId())
            .orElseThrow(() -> notListed(rules, identity.nodeId(), "an orderer"));
    return launchOrderer(genesis, rules, self, identity, dataDirectory, bindHost, shared, false);
  }

  /**
   * Starts an orderer the members voted in after genesis ({@code AddOrderer}): it learns the config
   * in force from the chain the orderers deliver — followed from the genesis block, so it trusts no
   * one for it —, finds itself there, and starts outside the Raft group; the leader adds it and
   * replicates the log to it. Started again on its data, it recovers as any orderer does.
   *
   * @throws ConfigException UNKNOWN_NODE if the config in force does not list it (not voted in, or
   *     voted out), ADDRESS_NOT_CERTIFIED if its TLS certificate does not name its address
   * @throws IOException if the chain cannot be had from the orderers
   */
  public static RunningOrderer startAddedOrderer(
      Block genesis, NodeIdentity identity, Path dataDirectory, String bindHost, Shared shared)
      throws IOException, ConfigException {
    ConfigChain chain;
    try {
      chain =
          OrderedChain.newest(
              genesis,
              identity.signer(),
              shared.transport(),
              identity.tls(),
              shared.verifier(),
              shared.clock(),
              Duration.ofSeconds(60));
    } catch (OrderedChain.Failure e) {
      throw new IOException(
          "the ledger's chain cannot be had from its orderers: " + e.getMessage(), e);
    }
    LedgerRules rules = chain.rules();
    Orderer self =
        ordererEntry(rules, identity.nodeId())
            .orElseThrow(
                () ->
                    new ConfigException(
                        ConfigException.Code.UNKNOWN_NODE,
                        "orderer "
                            + identity.nodeId()
                            + " is not in ledger "
                            + rules.ledgerId()
                            + "'s config at block "
                            + chain.last().getHeader().getNumber()
                            + ": the members vote it in first (AddOrderer)"));
    return launchOrderer(genesis, rules, self, identity, dataDirectory, bindHost, shared, true);
  }

  private static RunningOrderer launchOrderer(
      Block genesis,
      LedgerRules rules,
      Orderer self,
      NodeIdentity identity,
      Path dataDirectory,
      String bindHost,
      Shared shared,
      boolean joining)
      throws IOException, ConfigException {
    checkIdentity(rules, identity, self.getMspId());
    checkAddress(identity, self.getHost());
    List<OrdererSpec> group =
        rules.orderers().stream()
            .map(o -> new OrdererSpec(o.getNodeId(), o.getHost(), o.getRaftPort()))
            .toList();
    var cutting = LedgerConfigs.fromGenesis(genesis).blockCutting();
    OrdererNode node =
        OrdererNode.start(
            new OrdererConfig(
                rules.ledgerId(),
                new OrdererSpec(self.getNodeId(), self.getHost(), self.getRaftPort()),
                bindHost,
                group,
                dataDirectory,
                genesis,
                new BlockCutting(
                    cutting.getMaxTransactions(),
                    cutting.getMaxBytes(),
                    Duration.ofMillis(cutting.getTimeoutMillis())),
                identity.signer(),
                new SignedEnvelopeCheck(shared.verifier(), shared.clock()),
                MAX_ENVELOPE_BYTES,
                identity.tls(),
                shared.verifier(),
                joining));
    try {
      Server server =
          shared
              .transport()
              .startServer(
                  bindHost, self.getPort(), identity.tls(), List.of(node.atomicBroadcast()));
      return new RunningOrderer(node, server);
    } catch (IOException | RuntimeException e) {
      node.close();
      throw e;
    }
  }

  /**
   * Starts a peer on its data directory, recovering after a crash; a peer with an empty data
   * directory and a snapshot starts from the snapshot.
   */
  public static PeerNode startPeer(
      Block genesis,
      NodeIdentity identity,
      Path dataDirectory,
      String bindHost,
      Optional<Path> snapshot,
      Shared shared)
      throws IOException, ConfigException {
    return startGenesisPeer(
        genesis, identity, dataDirectory, bindHost, Optional.empty(), snapshot, shared);
  }

  /**
   * Starts a peer of the genesis config at another address than the config's — {@code moved}'s host
   * and port, on this host since it took the ledger over — with certificates naming it.
   */
  public static PeerNode startMovedPeer(
      Block genesis,
      NodeIdentity identity,
      Path dataDirectory,
      String bindHost,
      Peer moved,
      Optional<Path> snapshot,
      Shared shared)
      throws IOException, ConfigException {
    return startGenesisPeer(
        genesis, identity, dataDirectory, bindHost, Optional.of(moved), snapshot, shared);
  }

  /** A genesis peer at its config address, or at {@code moved}'s. */
  private static PeerNode startGenesisPeer(
      Block genesis,
      NodeIdentity identity,
      Path dataDirectory,
      String bindHost,
      Optional<Peer> moved,
      Optional<Path> snapshot,
      Shared shared)
      throws IOException, ConfigException {
    LedgerRules rules = LedgerConfigs.fromGenesis(genesis);
    Peer self =
        peerEntry(rules, identity.nodeId())
            .orElseThrow(() -> notListed(rules, identity.nodeId(), "a peer"));
    checkIdentity(rules, identity, self.getMspId());
    Peer at = moved.orElse(self);
    checkAddress(identity, at.getHost());
    return start(genesis, identity, dataDirectory, bindHost, at.getPort(), snapshot, shared);
  }

  private static PeerNode start(
      Block genesis,
      NodeIdentity identity,
      Path dataDirectory,
      String bindHost,
      int port,
      Optional<Path> snapshot,
      Shared shared)
      throws IOException, ConfigException {
    return PeerNode.start(
        new PeerNode.Config(
            identity.nodeId(),
            identity.signer().mspId(),
            bindHost,
            port,
            dataDirectory,
            genesis,
            identity.signer(),
            identity.tls(),
            shared.contracts(),
            shared.verifier(),
            shared.stateResources(),
            shared.scheduler(),
            shared.clock(),
            snapshot),
        shared.transport());
  }

  /**
   * Starts a peer the config does not list: one a member added after the ledger began (as Fabric
   * peers join a channel), on {@code port}. Started from a snapshot, it must belong to a member of
   * the config in force at the snapshot; started on its data, it recovers as any peer does. Other
   * peers do not ask it for endorsements; its own gateway serves its member's applications. Given
   * the address it is reached at, its TLS certificate must name it.
   *
   * @throws ConfigException UNKNOWN_NODE if the peer's organisation is not a member
   */
  public static PeerNode startMemberPeer(
      Block genesis,
      NodeIdentity identity,
      Path dataDirectory,
      String bindHost,
      Optional<String> advertised,
      int port,
      Optional<Path> snapshot,
      Shared shared)
      throws IOException, ConfigException {
    LedgerRules rules = LedgerConfigs.fromGenesis(genesis);
    if (advertised.isPresent()) {
      checkAddress(identity, advertised.get());
    }
    if (peerEntry(rules, identity.nodeId()).isPresent()
        || ordererEntry(rules, identity.nodeId()).isPresent()) {
      throw new ConfigException(
          ConfigException.Code.UNKNOWN_NODE,
          "node id " + identity.nodeId() + " is taken by a node of the ledger's genesis config");
    }
    String mspId = identity.signer().mspId();
    PeerNode node = start(genesis, identity, dataDirectory, bindHost, port, snapshot, shared);
    if (snapshot.isPresent() && !node.ledger().rules().isMember(mspId)) {
      long height = node.ledger().height();
      node.close();
      throw new ConfigException(
          ConfigException.Code.UNKNOWN_NODE,
          mspId
              + " is not a member of ledger "
              + rules.ledgerId()
              + " at the snapshot's height "
              + height
              + ": its peer cannot join");
    }
    return node;
  }

  private static void checkIdentity(LedgerRules rules, NodeIdentity identity, String mspId)
      throws ConfigException {
    if (!identity.signer().mspId().equals(mspId)) {
      throw new ConfigException(
          ConfigException.Code.UNKNOWN_NODE,
          "node "
              + identity.nodeId()
              + " belongs to "
              + mspId
              + " in the ledger's config, but its certificate is for "
              + identity.signer().mspId());
    }
  }

  /**
   * Refuses a node whose TLS certificate does not name the address it is reached at: every client
   * and node connecting to it would fail the hostname check, so it must not start as if it could
   * serve.
   */
  static void checkAddress(NodeIdentity identity, String advertised) throws ConfigException {
    X509Certificate certificate = identity.tls().certificate();
    if (!CertifiedNames.covers(certificate, advertised)) {
      throw new ConfigException(
          ConfigException.Code.ADDRESS_NOT_CERTIFIED,
          "node "
              + identity.nodeId()
              + " is reached at "
              + advertised
              + ", but its TLS certificate names only "
              + CertifiedNames.of(certificate)
              + ": issue it a TLS certificate for "
              + advertised);
    }
  }

  private static Optional<Orderer> ordererEntry(LedgerRules rules, String nodeId) {
    return rules.orderers().stream().filter(o -> o.getNodeId().equals(nodeId)).findFirst();
  }

  private static Optional<Peer> peerEntry(LedgerRules rules, String nodeId) {
    return rules.config().getPeersList().stream()
        .filter(p -> p.getNodeId().equals(nodeId))
        .findFirst();
  }

  private static ConfigException notListed(LedgerRules rules, String nodeId, String what) {
    return new ConfigException(
        ConfigException.Code.UNKNOWN_NODE,
        "node " + nodeId + " is not " + what + " of ledger " + rules.ledgerId());
  }
}
