package io.patchwork.node.host;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Role;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerConfigs;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.BlockCutting;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.LedgerStatus;
import io.patchwork.node.config.proto.Member;
import io.patchwork.node.config.proto.ModificationPolicy;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.config.proto.PinnedContract;
import io.patchwork.node.contract.ContractRegistry;
import io.patchwork.node.contract.builtin.BuiltInContracts;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.net.LedgerTrust;
import io.patchwork.node.net.NodeTransport;
import io.patchwork.node.order.Broadcasts;
import io.patchwork.node.order.OrdererNode;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.state.StateResources;
import io.patchwork.node.state.TxRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PrivateKey;
import java.security.cert.CRLException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.net.ssl.X509TrustManager;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.orderer.BroadcastResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole ledger in this JVM: orderers and peers of several member organisations, each a real node
 * with its own data directory, gRPC server on loopback with mutual TLS, and certificates from the
 * ledger's authority. Nodes share one transport, one RocksDB cache and one signature cache, so a
 * hundred of them fit on a small machine.
 *
 * <p>Nodes can be stopped and started again on their data (as after a crash) by node id. Not
 * thread-safe for lifecycle calls; the nodes themselves are.
 */
public final class LocalLedger implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalLedger.class);

  /** A member organisation. */
  public record Organization(String name, String mspId) {}

  /** A node's identities, as issued for it, and the signing key behind its signer. */
  public record NodeCredentials(
      String nodeId,
      String mspId,
      NodeSigner signer,
      PrivateKey signingKey,
      NodeTransport.TlsIdentity tls) {}

  private final LedgerConfig config;
  private final Block genesis;
  private final Path dataDirectory;
  private final String host;
  private final NodeLauncher.Shared shared;
  private final Map<String, NodeCredentials> credentials;
  private final Map<String, String> organizations = new LinkedHashMap<>();
  private final List<X509Certificate> authorityChain;
  private final Map<String, Orderer> ordererConfigs;
  private final Map<String, Peer> peerConfigs;
  private final Map<String, NodeLauncher.RunningOrderer> orderers = new LinkedHashMap<>();
  private final Map<String, PeerNode> peers = new LinkedHashMap<>();
  private final X509TrustManager trust;
  private final Optional<Path> credentialsDirectory;

  /** Peers members added after genesis (not in the config's peer list), by node id. */
  private final Map<String, Peer> memberPeers = new LinkedHashMap<>();

  /** Under the credentials directory: one line per member-added peer, "nodeId mspId port". */
  static final String MEMBER_PEERS = "member-peers";

  private LocalLedger(
      Builder b,
      LedgerConfig config,
      Block genesis,
      Map<String, NodeCredentials> credentials,
      X509TrustManager trust) {
    this.config = config;
    this.genesis = genesis;
    this.dataDirectory = b.dataDirectory;
    this.host = b.host;
    ScheduledExecutorService scheduler =
        Executors.newScheduledThreadPool(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, "patchwork-ledger-timer");
              thread.setDaemon(true);
              return thread;
            });
    this.shared =
        new NodeLauncher.Shared(
            NodeTransport.create(config.getOrderersCount() + config.getPeersCount()),
            new SignatureVerifier(b.signatureCacheEntries),
            StateResources.create(stateCacheBytes(config.getPeersCount())),
            scheduler,
            b.contracts,
            b.clock);
    this.credentials = new LinkedHashMap<>(credentials);
    this.authorityChain = b.authority.chain();
    this.trust = trust;
    this.credentialsDirectory = Optional.ofNullable(b.credentialsDirectory);
    this.ordererConfigs = new LinkedHashMap<>();
    for (Orderer orderer : config.getOrderersList()) {
      ordererConfigs.put(orderer.getNodeId(), orderer);
    }
    config.getMembersList().forEach(m -> organizations.put(m.getMspId(), m.getOrganization()));
    this.peerConfigs = new LinkedHashMap<>();
    for (Peer peer : config.getPeersList()) {
      peerConfigs.put(peer.getNodeId(), peer);
    }
  }

  /**
   * The RocksDB block cache and memtable budget the peers share: 8 MiB a peer, at least 64 MiB.
   * Half of it bounds the memtables; a smaller figure for a hundred peers made each flush tiny
   * files that every later read had to decompress again.
   */
  static long stateCacheBytes(int peers) {
    return Math.max(64L << 20, (8L << 20) * peers);
  }

  public static Builder builder() {
    return new Builder();
  }

  public String ledgerId() {
    return config.getLedgerId();
  }

  public Block genesis() {
    return genesis;
  }

  public LedgerConfig config() {
    return config;
  }

  /** Trust manager for the ledger's roots, for clients connecting to its nodes. */
  public X509TrustManager trust() {
    return trust;
  }

  public List<String> ordererIds() {
    return List.copyOf(ordererConfigs.keySet());
  }

  public List<String> peerIds() {
    return List.copyOf(peerConfigs.keySet());
  }

  /** Running peers, in config order. */
  public List<PeerNode> peers() {
    return List.copyOf(peers.values());
  }

  /**
   * The running peer with the most blocks: what the ledger has committed, as late as this process
   * knows it (a config change another peer committed may not have reached every peer yet).
   *
   * @throws IllegalStateException if no peer runs
   */
  public PeerNode furthestPeer() {
    return peers.values().stream()
        .max(Comparator.comparingLong(p -> p.ledger().height()))
        .orElseThrow(() -> new IllegalStateException("ledger " + ledgerId() + " runs no peer"));
  }

  public PeerNode peer(String nodeId) {
    PeerNode peer = peers.get(nodeId);
    if (peer == null) {
      throw new IllegalArgumentException("peer " + nodeId + " is not running");
    }
    return peer;
  }

  /** Running orderers. */
  public List<OrdererNode> orderers() {
    return orderers.values().stream().map(NodeLauncher.RunningOrderer::node).toList();
  }

  public Peer peerConfig(String nodeId) {
    return Objects.requireNonNull(peerConfigs.get(nodeId), "no such peer " + nodeId);
  }

  public Orderer ordererConfig(String nodeId) {
    return Objects.requireNonNull(ordererConfigs.get(nodeId), "no such orderer " + nodeId);
  }

  public NodeTransport transport() {
    return shared.transport();
  }

  public SignatureVerifier verifier() {
    return shared.verifier();
  }

  /** The signing identity of one of this ledger's nodes. */
  public NodeSigner signer(String nodeId) {
    NodeCredentials node = credentials.get(nodeId);
    if (node == null) {
      throw new IllegalArgumentException("ledger " + ledgerId() + " has no node " + nodeId);
    }
    return node.signer();
  }

  /**
   * Sends a signed envelope to the ordering service over mutual TLS as the running peer {@code
   * peerId}, and waits until that peer has committed it.
   *
   * @return the transaction's record on the peer: block, position and validation code
   * @throws IOException if no orderer took it, with the reason it gave
   * @throws TimeoutException if the peer did not commit it in time
   */
  public TxRecord submit(String peerId, Envelope envelope, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    PeerNode peer = peer(peerId);
    String txId;
    try {
      txId =
          ChannelHeader.parseFrom(
                  Payload.parseFrom(envelope.getPayload()).getHeader().getChannelHeader())
              .getTxId();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("the envelope's payload cannot be decoded", e);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    BroadcastResponse answer = null;
    // Any orderer forwards to the Raft leader; try the next one if one is down.
    for (Orderer orderer : ordererConfigs.values()) {
      try {
        answer = broadcast(orderer, identity(peerId).tls(), envelope, timeout);
      } catch (IOException unreachable) {
        log.debug(
            "ledger.broadcast_retry orderer={} reason=\"{}\"",
            orderer.getNodeId(),
            unreachable.getMessage());
        continue;
      }
      if (answer.getStatus() == Status.SUCCESS) {
        break;
      }
    }
    if (answer == null || answer.getStatus() != Status.SUCCESS) {
      throw new IOException(
          "the ordering service did not take transaction "
              + txId
              + (answer == null
                  ? ": no orderer answered"
                  : ": " + answer.getStatus() + " " + answer.getInfo()));
    }
    while (true) {
      Optional<TxRecord> record = peer.ledger().state().transaction(txId);
      if (record.isPresent()) {
        return record.get();
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(
            "peer " + peerId + " did not commit transaction " + txId + " within " + timeout);
      }
      Thread.sleep(10);
    }
  }

  private BroadcastResponse broadcast(
      Orderer orderer, NodeTransport.TlsIdentity tls, Envelope envelope, Duration timeout)
      throws IOException, InterruptedException {
    ManagedChannel channel = shared.transport().channel(orderer.getHost(), orderer.getPort(), tls);
    try {
      return Broadcasts.send(channel, envelope, timeout);
    } catch (IOException e) {
      throw new IOException("orderer " + orderer.getNodeId() + ": " + e.getMessage(), e);
    } finally {
      channel.shutdownNow();
    }
  }

  /** Where a node keeps its blocks, state and Raft log. */
  public Path dataDirectory(String nodeId) {
    identity(nodeId);
    return dataDirectory.resolve(nodeId);
  }

  /**
   * Writes what {@code patchwork node run} needs to run the node as its own process: {@code
   * genesis.block}, the MSP folder {@code msp/} (key in {@code keystore/priv_sk}) and the TLS
   * folder {@code tls/} ({@code cert.pem} with the chain above it, {@code key.pem}). Keys are
   * written readable by their owner only. The directory must not exist.
   */
  public void writeNodeFiles(String nodeId, Path directory) throws IOException {
    NodeCredentials node = credentials.get(nodeId);
    if (node == null) {
      throw new IllegalArgumentException("ledger " + ledgerId() + " has no node " + nodeId);
    }
    NodeFiles.write(directory, authorityChain, files(node));
    Files.write(directory.resolve(NodeFiles.GENESIS), genesis.toByteArray());
  }

  private static NodeFiles.Credentials files(NodeCredentials node) {
    List<X509Certificate> tlsChain = new ArrayList<>();
    tlsChain.add(node.tls().certificate());
    tlsChain.addAll(node.tls().chain());
    return new NodeFiles.Credentials(
        node.signer().certificate(), node.signingKey(), tlsChain, node.tls().privateKey());
  }

  /**
   * Keeps the genesis block and every node's credentials under {@code directory} ({@code
   * genesis.block}, then one {@link NodeFiles} folder per node id), for {@link #reopen}. The
   * directory must not exist.
   */
  private void keepCredentials(Path directory) throws IOException {
    Files.createDirectories(directory);
    for (NodeCredentials node : credentials.values()) {
      NodeFiles.write(directory.resolve(node.nodeId()), authorityChain, files(node));
    }
    Path genesisFile = directory.resolve(NodeFiles.GENESIS);
    Files.write(genesisFile, genesis.toByteArray());
  }

  /** Replaces one node's kept credentials, when it was given new ones. */
  private void keepCredentials(NodeCredentials node) throws IOException {
    keepCredentials(node, authorityChain);
  }

  private void keepCredentials(NodeCredentials node, List<X509Certificate> chain)
      throws IOException {
    if (credentialsDirectory.isEmpty()) {
      return;
    }
    Path folder = credentialsDirectory.get().resolve(node.nodeId());
    Path fresh = credentialsDirectory.get().resolve(node.nodeId() + ".new");
    deleteTree(fresh);
    NodeFiles.write(fresh, chain, files(node));
    deleteTree(folder);
    Files.move(fresh, folder, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /**
   * Starts again a ledger whose nodes were started with {@link Builder#keepCredentials} — after its
   * process stopped or crashed: every node recovers from its data directory and catches up.
   *
   * @param credentials the directory the builder kept the genesis block and credentials in
   * @param dataDirectory the nodes' data directory, as given to the builder
   * @param authority the ledger's authority (its chain goes into credential folders written later)
   */
  public static LocalLedger reopen(
      Path credentials,
      Path dataDirectory,
      CertificateAuthority authority,
      ContractRegistry contracts)
      throws IOException, ConfigException {
    Block genesis;
    try {
      genesis = Block.parseFrom(Files.readAllBytes(credentials.resolve(NodeFiles.GENESIS)));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new ConfigException(
          ConfigException.Code.MALFORMED,
          credentials.resolve(NodeFiles.GENESIS) + " is not a genesis block",
          e);
    }
    LedgerRules rules = LedgerConfigs.fromGenesis(genesis);
    LedgerConfig config = rules.config();
    Map<String, NodeCredentials> identities = new LinkedHashMap<>();
    Map<String, String> nodes = new LinkedHashMap<>();
    config.getOrderersList().forEach(o -> nodes.put(o.getNodeId(), o.getMspId()));
    config.getPeersList().forEach(p -> nodes.put(p.getNodeId(), p.getMspId()));
    List<Peer> added = readMemberPeers(credentials, config);
    added.forEach(p -> nodes.put(p.getNodeId(), p.getMspId()));
    for (Map.Entry<String, String> node : nodes.entrySet()) {
      String nodeId = node.getKey();
      String mspId = node.getValue();
      NodeFiles.Credentials files;
      try {
        files = NodeFiles.read(credentials.resolve(nodeId));
      } catch (java.security.GeneralSecurityException e) {
        throw new IOException(
            "the credentials of node " + nodeId + " cannot be read: " + e.getMessage(), e);
      }
      NodeLauncher.NodeIdentity identity = files.identity(nodeId, mspId, rules.tlsTrust());
      identities.put(
          nodeId,
          new NodeCredentials(
              nodeId, mspId, identity.signer(), files.signingKey(), identity.tls()));
    }
    Builder builder =
        builder()
            .ledgerId(rules.ledgerId())
            .authority(authority)
            .contracts(contracts, List.of())
            .dataDirectory(dataDirectory);
    builder.credentialsDirectory = credentials;
    LocalLedger ledger = new LocalLedger(builder, config, genesis, identities, rules.tlsTrust());
    for (Peer peer : added) {
      ledger.memberPeers.put(peer.getNodeId(), peer);
      ledger.peerConfigs.put(peer.getNodeId(), peer);
    }
    try {
      ledger.startAll();
    } catch (IOException | ConfigException | RuntimeException e) {
      ledger.close();
      throw e;
    }
    log.info("ledger.reopened ledger={} nodes={}", ledger.ledgerId(), identities.size());
    return ledger;
  }

  /**
   * Adds and starts a peer for a member organisation — one voted in after genesis, or one that
   * wants another peer — with new certificates from {@code authority}, from a snapshot another peer
   * exported, so that it replays only the blocks after it. The peer is kept with the ledger's
   * credentials and comes back with {@link #reopen}. Nothing of it is left if it cannot start.
   *
   * @throws ConfigException UNKNOWN_NODE if the organisation is not a member at the snapshot
   */
  public PeerNode addMemberPeer(
      String organization, String mspId, CertificateAuthority authority, Path snapshot)
      throws IOException, ConfigException, CaException {
    String nodeId = nextPeerId();
    NodeCredentials node =
        issueCredentials(
            authority, nodeId, Role.PEER, organization, mspId, authority.chain(), trust);
    Peer entry =
        Peer.newBuilder()
            .setNodeId(nodeId)
            .setMspId(mspId)
            .setHost(host)
            .setPort(freePort())
            .build();
    organizations.putIfAbsent(mspId, organization);
    credentials.put(nodeId, node);
    memberPeers.put(nodeId, entry);
    peerConfigs.put(nodeId, entry);
    try {
      keepCredentials(node);
      keepMemberPeers();
      PeerNode started = startPeer(nodeId, Optional.of(snapshot));
      log.info("ledger.member_peer_added ledger={} node={} msp={}", ledgerId(), nodeId, mspId);
      return started;
    } catch (IOException | ConfigException | RuntimeException e) {
      PeerNode running = peers.remove(nodeId);
      if (running != null) {
        running.close();
      }
      credentials.remove(nodeId);
      memberPeers.remove(nodeId);
      peerConfigs.remove(nodeId);
      keepMemberPeers();
      if (credentialsDirectory.isPresent()) {
        deleteTree(credentialsDirectory.get().resolve(nodeId));
      }
      deleteTree(dataDirectory.resolve(nodeId));
      throw e;
    }
  }

  private String nextPeerId() {
    for (int index = peerConfigs.size(); ; index++) {
      String candidate = "peer" + index;
      if (!credentials.containsKey(candidate)) {
        return candidate;
      }
    }
  }

  private void keepMemberPeers() throws IOException {
    if (credentialsDirectory.isEmpty()) {
      return;
    }
    StringBuilder lines = new StringBuilder();
    for (Peer peer : memberPeers.values()) {
      lines.append(peer.getNodeId()).append(' ').append(peer.getMspId()).append(' ');
      lines.append(peer.getPort()).append('\n');
    }
    Path file = credentialsDirectory.get().resolve(MEMBER_PEERS);
    Path fresh = credentialsDirectory.get().resolve(MEMBER_PEERS + ".new");
    Files.writeString(fresh, lines, StandardCharsets.US_ASCII);
    Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static List<Peer> readMemberPeers(Path credentials, LedgerConfig config)
      throws IOException {
    Path file = credentials.resolve(MEMBER_PEERS);
    if (!Files.exists(file)) {
      return List.of();
    }
    List<Peer> peers = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
      if (line.isBlank()) {
        continue;
      }
      String[] fields = line.trim().split(" ");
      if (fields.length != 3) {
        throw new IOException(file + ": '" + line + "' is not 'nodeId mspId port'");
      }
      String host = config.getPeersCount() > 0 ? config.getPeers(0).getHost() : "127.0.0.1";
      peers.add(
          Peer.newBuilder()
              .setNodeId(fields[0])
              .setMspId(fields[1])
              .setHost(host)
              .setPort(Integer.parseInt(fields[2]))
              .build());
    }
    return peers;
  }

  /**
   * Gives a peer new signing and TLS certificates from {@code authority} — after the members
   * replaced the ledger's authority, before the old one's grace period ends — and restarts it if it
   * runs.
   *
   * @throws IllegalArgumentException for an orderer: its signing certificate is part of the config
   */
  public void recertifyPeer(String nodeId, CertificateAuthority authority)
      throws IOException, ConfigException, CaException {
    NodeCredentials current = peerCredentials(nodeId);
    NodeCredentials issued =
        issueCredentials(
            authority,
            nodeId,
            Role.PEER,
            organizations.get(current.mspId()),
            current.mspId(),
            authority.chain(),
            current.tls().trust());
    install(issued, authority.chain());
  }

  /**
   * Gives a peer signing and TLS certificates made elsewhere — by an authority the members hold,
   * answering requests for keys made here — and restarts it if it runs. The caller has checked that
   * the certificates chain to the ledger's trust roots and certify the given keys.
   *
   * @param signing the signing certificate, for {@code signingKey}
   * @param tlsChain the TLS certificate, for {@code tlsKey}, then the intermediates above it
   * @param authorityChain the issuing authority's chain, its root last (for the node's MSP folder)
   * @throws IllegalArgumentException if the ledger has no such peer
   */
  public void recertifyPeer(
      String nodeId,
      X509Certificate signing,
      PrivateKey signingKey,
      List<X509Certificate> tlsChain,
      PrivateKey tlsKey,
      List<X509Certificate> authorityChain)
      throws IOException, ConfigException {
    NodeCredentials current = peerCredentials(nodeId);
    install(
        new NodeCredentials(
            nodeId,
            current.mspId(),
            NodeSigner.of(current.mspId(), signing, signingKey),
            signingKey,
            new NodeTransport.TlsIdentity(
                tlsChain.get(0),
                List.copyOf(tlsChain.subList(1, tlsChain.size())),
                tlsKey,
                current.tls().trust())),
        authorityChain);
  }

  /** The signing certificate a peer signs with now. */
  public X509Certificate peerSigningCertificate(String nodeId) {
    return peerCredentials(nodeId).signer().certificate();
  }

  private NodeCredentials peerCredentials(String nodeId) {
    NodeCredentials current = credentials.get(nodeId);
    if (current == null || !peerConfigs.containsKey(nodeId)) {
      throw new IllegalArgumentException("ledger " + ledgerId() + " has no peer " + nodeId);
    }
    return current;
  }

  private void install(NodeCredentials node, List<X509Certificate> chain)
      throws IOException, ConfigException {
    credentials.put(node.nodeId(), node);
    keepCredentials(node, chain);
    if (peers.containsKey(node.nodeId())) {
      stopPeer(node.nodeId());
      startPeer(node.nodeId());
    }
  }

  /** Starts every node. */
  LocalLedger startAll() throws IOException, ConfigException {
    for (String id : ordererConfigs.keySet()) {
      startOrderer(id);
    }
    for (String id : peerConfigs.keySet()) {
      startPeer(id);
    }
    log.info(
        "ledger.started ledger={} orderers={} peers={}", ledgerId(), orderers.size(), peers.size());
    return this;
  }

  /** Starts (or starts again, on its data) an orderer. */
  public OrdererNode startOrderer(String nodeId) throws IOException {
    if (orderers.containsKey(nodeId)) {
      throw new IllegalStateException("orderer " + nodeId + " is running");
    }
    try {
      NodeLauncher.RunningOrderer running =
          NodeLauncher.startOrderer(
              genesis, identity(nodeId), dataDirectory.resolve(nodeId), host, shared);
      orderers.put(nodeId, running);
      return running.node();
    } catch (ConfigException e) {
      throw new IllegalStateException("the ledger's own config was checked when it was built", e);
    }
  }

  /** Stops an orderer as a crash would: its Raft server and gRPC server go away at once. */
  public void stopOrderer(String nodeId) {
    NodeLauncher.RunningOrderer running = orderers.remove(nodeId);
    if (running == null) {
      throw new IllegalArgumentException("orderer " + nodeId + " is not running");
    }
    running.close();
  }

  /** Starts (or starts again, on its data) a peer. */
  public PeerNode startPeer(String nodeId) throws IOException, ConfigException {
    return startPeer(nodeId, Optional.empty());
  }

  /**
   * Starts a peer whose data directory is empty from a snapshot another peer exported, instead of
   * replaying the ledger from its genesis.
   */
  public PeerNode startPeerFromSnapshot(String nodeId, Path snapshot)
      throws IOException, ConfigException {
    return startPeer(nodeId, Optional.of(snapshot));
  }

  private PeerNode startPeer(String nodeId, Optional<Path> snapshot)
      throws IOException, ConfigException {
    if (peers.containsKey(nodeId)) {
      throw new IllegalStateException("peer " + nodeId + " is running");
    }
    Peer added = memberPeers.get(nodeId);
    PeerNode node =
        added == null
            ? NodeLauncher.startPeer(
                genesis, identity(nodeId), dataDirectory.resolve(nodeId), host, snapshot, shared)
            : NodeLauncher.startMemberPeer(
                genesis,
                identity(nodeId),
                dataDirectory.resolve(nodeId),
                host,
                added.getPort(),
                snapshot,
                shared);
    peers.put(nodeId, node);
    return node;
  }

  private NodeLauncher.NodeIdentity identity(String nodeId) {
    NodeCredentials credential = credentials.get(nodeId);
    if (credential == null) {
      throw new IllegalArgumentException("ledger " + ledgerId() + " has no node " + nodeId);
    }
    return new NodeLauncher.NodeIdentity(nodeId, credential.signer(), credential.tls());
  }

  public void stopPeer(String nodeId) throws IOException {
    PeerNode peer = peers.remove(nodeId);
    if (peer == null) {
      throw new IllegalArgumentException("peer " + nodeId + " is not running");
    }
    peer.close();
  }

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
    log.info("ledger.stopped ledger={}", ledgerId());
  }

  /** Builds a ledger's config and node identities, then starts it. */
  public static final class Builder {
    private String ledgerId;
    private CertificateAuthority authority;
    private final List<Organization> organizations = new ArrayList<>();
    private int orderers = 1;
    private int peersPerOrganization = 1;
    private EndorsementPolicy policy =
        EndorsementPolicy.newBuilder().setRule(EndorsementPolicy.Rule.MAJORITY).build();
    private BlockCutting cutting =
        BlockCutting.newBuilder()
            .setMaxTransactions(500)
            .setMaxBytes(8 * 1024 * 1024)
            .setTimeoutMillis(100)
            .build();
    private ContractRegistry contracts = BuiltInContracts.registry();
    private List<String> pinned;
    private Path dataDirectory;
    private String host = "127.0.0.1";
    private int signatureCacheEntries = 1_000_000;
    private Clock clock = Clock.systemUTC();
    private Path credentialsDirectory;
    private Optional<io.patchwork.node.config.proto.Opening> opening = Optional.empty();

    public Builder ledgerId(String ledgerId) {
      this.ledgerId = Objects.requireNonNull(ledgerId, "ledgerId");
      return this;
    }

    /** The ledger's certificate authority; it issues every node's certificates. */
    public Builder authority(CertificateAuthority authority) {
      this.authority = Objects.requireNonNull(authority, "authority");
      return this;
    }

    public Builder member(String organization, String mspId) {
      organizations.add(new Organization(organization, mspId));
      return this;
    }

    /** Number of orderers (1, 3, 5 or 7), spread over the members in turn. */
    public Builder orderers(int count) {
      this.orderers = count;
      return this;
    }

    public Builder peersPerOrganization(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("every member runs at least one peer");
      }
      this.peersPerOrganization = count;
      return this;
    }

    public Builder endorsement(EndorsementPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    public Builder blockCutting(int maxTransactions, int maxBytes, Duration timeout) {
      this.cutting =
          BlockCutting.newBuilder()
              .setMaxTransactions(maxTransactions)
              .setMaxBytes(maxBytes)
              .setTimeoutMillis((int) timeout.toMillis())
              .build();
      return this;
    }

    /** The contracts nodes can run, and which of them this ledger pins (default: all). */
    public Builder contracts(ContractRegistry contracts, List<String> pinned) {
      this.contracts = Objects.requireNonNull(contracts, "contracts");
      this.pinned = List.copyOf(pinned);
      return this;
    }

    public Builder dataDirectory(Path dataDirectory) {
      this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory");
      return this;
    }

    /**
     * Keeps the genesis block and every node's keys and certificates under {@code directory} (which
     * must not exist; keys readable by their owner only), so that {@link #reopen} can start the
     * ledger again after this process stops. Without it the nodes' keys live only in memory.
     */
    public Builder keepCredentials(Path directory) {
      this.credentialsDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Starts the ledger as a successor: the opening goes into the genesis config, and every peer
     * writes what it carries over into its world state at block 0 ({@code OpeningBook}).
     */
    public Builder opening(io.patchwork.node.config.proto.Opening opening) {
      this.opening = Optional.of(Objects.requireNonNull(opening, "opening"));
      return this;
    }

    /**
     * Issues the nodes' certificates, writes the genesis config and starts every node; returns once
     * all gRPC servers are bound.
     */
    public LocalLedger start() throws IOException, ConfigException, CaException {
      Objects.requireNonNull(ledgerId, "ledgerId");
      Objects.requireNonNull(authority, "authority");
      Objects.requireNonNull(dataDirectory, "dataDirectory");
      if (organizations.isEmpty()) {
        throw new IllegalStateException("a ledger needs at least one member");
      }
      X509Certificate root = authority.trustRoot();
      List<X509Certificate> intermediates =
          authority.chain().subList(0, authority.chain().size() - 1);
      ByteString crl;
      try {
        crl = ByteString.copyFrom(authority.crl().getEncoded());
      } catch (CRLException e) {
        throw new IllegalStateException("the authority's CRL cannot be encoded", e);
      }
      X509TrustManager trust =
          LedgerTrust.trustManager(List.of(root), intermediates, List.of(authority.crl()));
      LedgerConfig.Builder config =
          LedgerConfig.newBuilder()
              .setFormatVersion(LedgerRules.FORMAT_VERSION)
              .setLedgerId(ledgerId)
              .setSequence(0)
              .setEndorsementPolicy(policy)
              .setBlockCutting(cutting)
              .setStatus(LedgerStatus.OPEN)
              .setModificationPolicy(
                  ModificationPolicy.newBuilder()
                      .setAdminOrganizations(organizations.size() / 2 + 1));
      for (Organization organization : organizations) {
        Member.Builder member =
            Member.newBuilder()
                .setOrganization(organization.name())
                .setMspId(organization.mspId())
                .addRootCertificates(pem(root))
                .addCrls(crl);
        intermediates.forEach(i -> member.addIntermediateCertificates(pem(i)));
        config.addMembers(member);
      }
      opening.ifPresent(config::setOpening);
      for (String name : pinned == null ? List.copyOf(contracts.names()) : pinned) {
        config.addContracts(
            PinnedContract.newBuilder().setName(name).setCodeHash(contracts.codeHash(name)));
      }
      Map<String, NodeCredentials> credentials = new LinkedHashMap<>();
      for (int i = 0; i < orderers; i++) {
        Organization owner = organizations.get(i % organizations.size());
        String nodeId = "orderer" + i;
        NodeCredentials identity =
            issueCredentials(
                authority,
                nodeId,
                Role.ORDERER,
                owner.name(),
                owner.mspId(),
                authority.chain(),
                trust);
        credentials.put(nodeId, identity);
        config.addOrderers(
            Orderer.newBuilder()
                .setNodeId(nodeId)
                .setMspId(owner.mspId())
                .setHost(host)
                .setPort(freePort())
                .setRaftPort(freePort())
                .setSigningCertificate(pem(identity.signer().certificate()))
                .setTlsCertificate(pem(identity.tls().certificate())));
      }
      int index = 0;
      for (int p = 0; p < peersPerOrganization; p++) {
        for (Organization organization : organizations) {
          String nodeId = "peer" + index++;
          credentials.put(
              nodeId,
              issueCredentials(
                  authority,
                  nodeId,
                  Role.PEER,
                  organization.name(),
                  organization.mspId(),
                  authority.chain(),
                  trust));
          config.addPeers(
              Peer.newBuilder()
                  .setNodeId(nodeId)
                  .setMspId(organization.mspId())
                  .setHost(host)
                  .setPort(freePort()));
        }
      }
      LedgerConfig built = config.build();
      Block genesis = LedgerConfigs.genesisBlock(built, clock.instant());
      LocalLedger ledger = new LocalLedger(this, built, genesis, Map.copyOf(credentials), trust);
      try {
        if (credentialsDirectory != null) {
          ledger.keepCredentials(credentialsDirectory);
        }
        return ledger.startAll();
      } catch (IOException | ConfigException | RuntimeException e) {
        ledger.close();
        throw e;
      }
    }
  }

  /** New signing and TLS credentials for a node, each with its own new key. */
  static NodeCredentials issueCredentials(
      CertificateAuthority authority,
      String nodeId,
      Role role,
      String organization,
      String mspId,
      List<X509Certificate> authorityChain,
      X509TrustManager trust)
      throws CaException {
    IssuedCredential signing =
        authority.issueWithNewKey(CertificateRequest.signing(nodeId, role, organization, mspId));
    IssuedCredential tls =
        authority.issueWithNewKey(
            CertificateRequest.tls(
                nodeId,
                role,
                organization,
                mspId,
                List.of("localhost"),
                List.of(InetAddress.getLoopbackAddress())));
    return new NodeCredentials(
        nodeId,
        mspId,
        NodeSigner.of(mspId, signing.certificate().certificate(), signing.privateKey()),
        signing.privateKey(),
        new NodeTransport.TlsIdentity(
            tls.certificate().certificate(),
            authorityChain.subList(0, authorityChain.size() - 1),
            tls.privateKey(),
            trust));
  }

  static ByteString pem(X509Certificate certificate) {
    return ByteString.copyFrom(Pem.certificate(certificate), StandardCharsets.US_ASCII);
  }

  /**
   * Ports handed to embedded nodes come from below the kernels' ephemeral ranges (Linux starts at
   * 32768, Windows and macOS at 49152), so an outgoing connection cannot take one between the
   * moment it is chosen and the moment the node binds it.
   */
  private static final int PORT_FLOOR = 20_000;

  private static final int PORT_CEILING = 32_000;
  private static final AtomicInteger nextPort =
      new AtomicInteger(
          PORT_FLOOR + ThreadLocalRandom.current().nextInt(PORT_CEILING - PORT_FLOOR));

  /** A free TCP port on loopback, for a node to bind a moment later; never the same one twice. */
  static int freePort() {
    for (int attempt = 0; attempt < PORT_CEILING - PORT_FLOOR; attempt++) {
      int port =
          PORT_FLOOR
              + Math.floorMod(nextPort.getAndIncrement() - PORT_FLOOR, PORT_CEILING - PORT_FLOOR);
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(false);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
        return port;
      } catch (IOException inUse) {
        // taken by something else: try the next one
      }
    }
    throw new UncheckedIOException(
        new IOException("no free port on loopback between " + PORT_FLOOR + " and " + PORT_CEILING));
  }
}
