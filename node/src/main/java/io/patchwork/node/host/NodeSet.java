package io.patchwork.node.host;

import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.contract.ContractRegistry;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.net.NodeTransport;
import io.patchwork.node.order.OrdererNode;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.state.StateResources;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.hyperledger.fabric.protos.common.Block;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes of an embedded ledger: which ones it has (the genesis config's — some of its peers
 * perhaps moved to this host's addresses — and peers members added later), which of them run
 * (listening on the host's bind address), and what they share in this process (one transport, one
 * RocksDB cache, one signature cache, one timer thread). Starts and stops nodes by id on their data
 * directories. Not thread-safe: the ledger's lifecycle calls use it one at a time.
 */
final class NodeSet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeSet.class);
  private static final int SIGNATURE_CACHE_ENTRIES = 1_000_000;

  private final Block genesis;
  private final NodeAddresses addresses;
  private final Path dataDirectory;
  private final Function<String, NodeLauncher.NodeIdentity> identities;
  private final NodeLauncher.Shared shared;
  private final Map<String, Orderer> ordererConfigs = new LinkedHashMap<>();
  private final Map<String, Peer> peerConfigs = new LinkedHashMap<>();
  private final Map<String, Peer> memberPeers = new LinkedHashMap<>();
  private final Map<String, Peer> movedPeers = new LinkedHashMap<>();
  private final Map<String, NodeLauncher.RunningOrderer> orderers = new LinkedHashMap<>();
  private final Map<String, PeerNode> peers = new LinkedHashMap<>();
  private volatile Consumer<String> removedOrderers = nodeId -> {};

  NodeSet(
      LedgerConfig config,
      Block genesis,
      List<Peer> added,
      List<Peer> moved,
      NodeAddresses addresses,
      Path dataDirectory,
      Function<String, NodeLauncher.NodeIdentity> identities,
      ContractRegistry contracts,
      Clock clock) {
    this.genesis = genesis;
    this.addresses = addresses;
    this.dataDirectory = dataDirectory;
    this.identities = identities;
    this.shared =
        new NodeLauncher.Shared(
            NodeTransport.create(config.getOrderersCount() + config.getPeersCount()),
            new SignatureVerifier(SIGNATURE_CACHE_ENTRIES),
            StateResources.create(stateCacheBytes(config.getPeersCount())),
            Executors.newScheduledThreadPool(
                1,
                runnable -> {
                  Thread thread = new Thread(runnable, "patchwork-ledger-timer");
                  thread.setDaemon(true);
                  return thread;
                }),
            contracts,
            clock);
    config.getOrderersList().forEach(o -> ordererConfigs.put(o.getNodeId(), o));
    config.getPeersList().forEach(p -> peerConfigs.put(p.getNodeId(), p));
    added.forEach(p -> memberPeers.put(p.getNodeId(), p));
    moved.forEach(p -> movedPeers.put(p.getNodeId(), p));
    peerConfigs.putAll(memberPeers);
    peerConfigs.putAll(movedPeers);
  }

  /**
   * The RocksDB block cache and memtable budget the peers share: 8 MiB a peer, at least 64 MiB.
   * Half of it bounds the memtables; a smaller figure for a hundred peers made each flush tiny
   * files that every later read had to decompress again.
   */
  static long stateCacheBytes(int peers) {
    return Math.max(64L << 20, (8L << 20) * peers);
  }

  NodeLauncher.Shared shared() {
    return shared;
  }

  /** Starts every node it has. */
  void startAll() throws IOException, ConfigException {
    for (String id : ordererConfigs.keySet()) {
      startOrderer(id);
    }
    for (String id : peerConfigs.keySet()) {
      startPeer(id, Optional.empty());
    }
  }

  Map<String, Orderer> ordererConfigs() {
    return ordererConfigs;
  }

  Map<String, Peer> peerConfigs() {
    return peerConfigs;
  }

  Map<String, Peer> memberPeers() {
    return memberPeers;
  }

  List<OrdererNode> orderers() {
    return orderers.values().stream().map(NodeLauncher.RunningOrderer::node).toList();
  }

  List<PeerNode> peers() {
    return List.copyOf(peers.values());
  }

  Optional<PeerNode> peer(String nodeId) {
    return Optional.ofNullable(peers.get(nodeId));
  }

  /**
   * A new peer of a member, added after genesis, on a free port, with the first node id {@code
   * free} accepts ({@code peer<n>}); started later with {@link #startPeer}.
   */
  Peer addMemberPeer(String mspId, Predicate<String> free) {
    String nodeId = null;
    for (int index = peerConfigs.size(); nodeId == null; index++) {
      if (free.test("peer" + index) && !peerConfigs.containsKey("peer" + index)) {
        nodeId = "peer" + index;
      }
    }
    return addMemberPeer(nodeId, mspId);
  }

  /**
   * A new peer of a member with a node id chosen before (its certificates name it), on a free port.
   *
   * @throws IllegalArgumentException if a peer of this id is known already
   */
  Peer addMemberPeer(String nodeId, String mspId) {
    if (peerConfigs.containsKey(nodeId) || orderers.containsKey(nodeId)) {
      throw new IllegalArgumentException("node id " + nodeId + " is taken on this ledger");
    }
    Peer peer =
        Peer.newBuilder()
            .setNodeId(nodeId)
            .setMspId(mspId)
            .setHost(addresses.advertised())
            .setPort(Ports.free(addresses))
            .build();
    memberPeers.put(nodeId, peer);
    peerConfigs.put(nodeId, peer);
    return peer;
  }

  /**
   * Forgets a peer — a member peer that could not start, or a peer of a member voted out — stopping
   * it if it runs: it is not started again.
   */
  void forgetPeer(String nodeId) throws IOException {
    if (peers.containsKey(nodeId)) {
      stopPeer(nodeId);
    }
    memberPeers.remove(nodeId);
    movedPeers.remove(nodeId);
    peerConfigs.remove(nodeId);
  }

  OrdererNode startOrderer(String nodeId) throws IOException {
    if (orderers.containsKey(nodeId)) {
      throw new IllegalStateException("orderer " + nodeId + " is running");
    }
    try {
      NodeLauncher.RunningOrderer running =
          NodeLauncher.startOrderer(
              genesis,
              identities.apply(nodeId),
              dataDirectory.resolve(nodeId),
              addresses.bind(),
              shared);
      orderers.put(nodeId, running);
      running
          .node()
          .onRemoved(() -> shared.scheduler().execute(() -> removedOrderers.accept(nodeId)));
      return running.node();
    } catch (ConfigException e) {
      throw new IllegalStateException("the ledger's own config was checked when it was built", e);
    }
  }

  /**
   * Runs {@code action} with an orderer's id when the members vote it out of the ordering group (on
   * the ledger's timer thread, not the orderer's own).
   */
  void onOrdererRemoved(Consumer<String> action) {
    removedOrderers = action;
  }

  /** Stops an orderer the members voted out and forgets it: it is not started again. */
  void retireOrderer(String nodeId) {
    if (orderers.containsKey(nodeId)) {
      stopOrderer(nodeId);
    }
    ordererConfigs.remove(nodeId);
  }

  void stopOrderer(String nodeId) {
    NodeLauncher.RunningOrderer running = orderers.remove(nodeId);
    if (running == null) {
      throw new IllegalArgumentException("orderer " + nodeId + " is not running");
    }
    running.close();
  }

  PeerNode startPeer(String nodeId, Optional<Path> snapshot) throws IOException, ConfigException {
    if (peers.containsKey(nodeId)) {
      throw new IllegalStateException("peer " + nodeId + " is running");
    }
    NodeLauncher.NodeIdentity identity = identities.apply(nodeId);
    Path data = dataDirectory.resolve(nodeId);
    Peer added = memberPeers.get(nodeId);
    Peer moved = movedPeers.get(nodeId);
    PeerNode node =
        moved != null
            ? NodeLauncher.startMovedPeer(
                genesis, identity, data, addresses.bind(), moved, snapshot, shared)
            : added == null
                ? NodeLauncher.startPeer(
                    genesis, identity, data, addresses.bind(), snapshot, shared)
                : NodeLauncher.startMemberPeer(
                    genesis,
                    identity,
                    data,
                    addresses.bind(),
                    Optional.of(added.getHost()),
                    added.getPort(),
                    snapshot,
                    shared);
    peers.put(nodeId, node);
    return node;
  }

  void stopPeer(String nodeId) throws IOException {
    PeerNode peer = peers.remove(nodeId);
    if (peer == null) {
      throw new IllegalArgumentException("peer " + nodeId + " is not running");
    }
    peer.close();
  }

  Peer peerConfig(String nodeId) {
    return Objects.requireNonNull(peerConfigs.get(nodeId), "no such peer " + nodeId);
  }

  /** Stops every node, then what they share. */
  @Override
  public void close() {
    for (String id : List.copyOf(peers.keySet())) {
      try {
        stopPeer(id);
      } catch (IOException | RuntimeException e) {
        log.warn("ledger.stop_failed node={}", id, e);
      }
    }
    for (String id : List.copyOf(orderers.keySet())) {
      try {
        stopOrderer(id);
      } catch (RuntimeException e) {
        log.warn("ledger.stop_failed node={}", id, e);
      }
    }
    shared.scheduler().shutdownNow();
    shared.transport().close();
    shared.stateResources().close();
  }
}
