package io.patchwork.node.host;

import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.node.api.NodeCertificates;
import io.patchwork.node.channel.FabricChannel;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.net.NodeTransport;
import io.patchwork.node.order.OrdererNode;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.state.TxRecord;
import io.patchwork.node.store.FileTrees;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.X509TrustManager;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Envelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole ledger in this JVM: orderers and peers of several member organisations, each a real node
 * with its own data directory, gRPC server (on loopback unless given other addresses) with mutual
 * TLS, and certificates from the ledger's authority. Made by {@link LocalLedgerBuilder} (its
 * genesis by {@link GenesisPlan}); its nodes are a {@link NodeSet}, their credentials {@link
 * LedgerCredentials}, kept on disk in a {@link CredentialFolder}.
 *
 * <p>Nodes can be stopped and started again on their data (as after a crash) by node id. Not
 * thread-safe for lifecycle calls; the nodes themselves are.
 */
public final class LocalLedger implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalLedger.class);

  /** A member organisation. */
  /**
   * A member: its name and MSP id, and for an organisation brought in from a Fabric channel, its
   * MSP there, whose roots, CRLs and TLS roots the ledger trusts for it besides the authority's.
   */
  public record Organization(
      String name, String mspId, Optional<FabricChannel.Organization> fabric) {
    public Organization {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(mspId, "mspId");
      Objects.requireNonNull(fabric, "fabric");
    }

    public Organization(String name, String mspId) {
      this(name, mspId, Optional.empty());
    }
  }

  private final LedgerConfig config;
  private final Block genesis;
  private final Path dataDirectory;
  private final LedgerCredentials credentials;
  private final NodeSet nodes;

  private LocalLedger(
      LedgerConfig config,
      Block genesis,
      Path dataDirectory,
      LedgerCredentials credentials,
      NodeSet nodes) {
    this.config = config;
    this.genesis = genesis;
    this.dataDirectory = dataDirectory;
    this.credentials = credentials;
    this.nodes = nodes;
  }

  /** Starts every node of a ledger; nothing keeps running if one fails. */
  static LocalLedger start(
      LedgerConfig config,
      Block genesis,
      LedgerCredentials credentials,
      NodeSet nodes,
      Path dataDirectory)
      throws IOException, ConfigException {
    LocalLedger ledger = new LocalLedger(config, genesis, dataDirectory, credentials, nodes);
    nodes.onOrdererRemoved(ledger::retireOrderer);
    try {
      nodes.startAll();
    } catch (IOException | ConfigException | RuntimeException e) {
      ledger.close();
      throw e;
    }
    log.info(
        "ledger.started ledger={} orderers={} peers={}",
        ledger.ledgerId(),
        nodes.orderers().size(),
        nodes.peers().size());
    return ledger;
  }

  public static LocalLedgerBuilder builder() {
    return new LocalLedgerBuilder();
  }

  public String ledgerId() {
    return config.getLedgerId();
  }

  public Block genesis() {
    return genesis;
  }

  /** The genesis config. */
  public LedgerConfig config() {
    return config;
  }

  /** Trust manager for the ledger's roots, for clients connecting to its nodes. */
  public X509TrustManager trust() {
    return credentials.trust();
  }

  public List<String> ordererIds() {
    return List.copyOf(nodes.ordererConfigs().keySet());
  }

  public List<String> peerIds() {
    return List.copyOf(nodes.peerConfigs().keySet());
  }

  /** Running peers, in config order. */
  public List<PeerNode> peers() {
    return nodes.peers();
  }

  /**
   * The running peer with the most blocks: what the ledger has committed, as late as this process
   * knows it (a config change another peer committed may not have reached every peer yet).
   *
   * @throws IllegalStateException if no peer runs
   */
  public PeerNode furthestPeer() {
    return nodes.peers().stream()
        .max(Comparator.comparingLong(p -> p.ledger().height()))
        .orElseThrow(() -> new IllegalStateException("ledger " + ledgerId() + " runs no peer"));
  }

  public PeerNode peer(String nodeId) {
    return nodes
        .peer(nodeId)
        .orElseThrow(() -> new IllegalArgumentException("peer " + nodeId + " is not running"));
  }

  /** The peer of this id if it runs. */
  Optional<PeerNode> runningPeer(String nodeId) {
    return nodes.peer(nodeId);
  }

  /** Running orderers. */
  public List<OrdererNode> orderers() {
    return nodes.orderers();
  }

  public Peer peerConfig(String nodeId) {
    return nodes.peerConfig(nodeId);
  }

  public Orderer ordererConfig(String nodeId) {
    return Objects.requireNonNull(nodes.ordererConfigs().get(nodeId), "no such orderer " + nodeId);
  }

  public NodeTransport transport() {
    return nodes.shared().transport();
  }

  public SignatureVerifier verifier() {
    return nodes.shared().verifier();
  }

  /** The signing identity of one of this ledger's nodes. */
  public NodeSigner signer(String nodeId) {
    return credentials.node(nodeId).signer();
  }

  /**
   * Sends a signed envelope to the ordering service as the running peer {@code peerId} and waits
   * until that peer has committed it ({@link Submitter}).
   *
   * @return the transaction's record on the peer: block, position and validation code
   * @throws IOException if no orderer took it, with the reason it gave
   * @throws TimeoutException if the peer did not commit it in time
   */
  public TxRecord submit(String peerId, Envelope envelope, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    return Submitter.submit(peer(peerId), envelope, timeout);
  }

  /** Where a node keeps its blocks, state and Raft log. */
  public Path dataDirectory(String nodeId) {
    credentials.node(nodeId);
    return dataDirectory.resolve(nodeId);
  }

  /**
   * Writes what {@code patchwork node run} needs to run the node as its own process: {@code
   * genesis.block} and the {@link NodeFiles} folders. The directory must not exist.
   */
  public void writeNodeFiles(String nodeId, Path directory) throws IOException {
    credentials.writeNodeFiles(nodeId, genesis, directory);
  }

  /**
   * Adds and starts a peer for a member organisation — one voted in after genesis, or one that
   * wants another peer — with new certificates from {@code authority}, from a snapshot another peer
   * exported, so that it replays only the blocks after it. The peer is kept with the ledger's
   * credentials and comes back after a restart. Nothing of it is left if it cannot start.
   *
   * @throws ConfigException UNKNOWN_NODE if the organisation is not a member at the snapshot
   */
  public PeerNode addMemberPeer(
      String organization, String mspId, CertificateAuthority authority, Path snapshot)
      throws IOException, ConfigException, CaException {
    String nodeId = nodes.addMemberPeer(mspId, id -> !credentials.has(id)).getNodeId();
    return startMemberPeer(
        nodeId,
        mspId,
        snapshot,
        () -> credentials.issuePeer(nodeId, organization, mspId, authority));
  }

  /**
   * As {@link #addMemberPeer(String, String, CertificateAuthority, Path)}, with certificates made
   * elsewhere — by an authority the members hold, answering requests for keys made here — for a
   * node id chosen when they were requested.
   *
   * @param authorityChain the issuing authority's chain, its root last (for the node's folder)
   * @throws IllegalArgumentException if the node id is taken
   */
  public PeerNode addMemberPeer(
      String nodeId,
      String organization,
      String mspId,
      NodeFiles.Credentials certified,
      List<X509Certificate> authorityChain,
      Path snapshot)
      throws IOException, ConfigException, CaException {
    if (credentials.has(nodeId)) {
      throw new IllegalArgumentException("node id " + nodeId + " is taken on this ledger");
    }
    nodes.addMemberPeer(nodeId, mspId);
    return startMemberPeer(
        nodeId,
        mspId,
        snapshot,
        () -> credentials.installPeer(nodeId, organization, mspId, certified, authorityChain));
  }

  /** How a new peer's credentials come to be kept. */
  @FunctionalInterface
  private interface Credentialing {
    void keep() throws IOException, CaException;
  }

  private PeerNode startMemberPeer(
      String nodeId, String mspId, Path snapshot, Credentialing credentialing)
      throws IOException, ConfigException, CaException {
    try {
      credentialing.keep();
      credentials.keepMemberPeers(nodes.memberPeers().values());
      PeerNode started = nodes.startPeer(nodeId, Optional.of(snapshot));
      log.info("ledger.member_peer_added ledger={} node={} msp={}", ledgerId(), nodeId, mspId);
      return started;
    } catch (IOException | ConfigException | CaException | RuntimeException e) {
      nodes.forgetPeer(nodeId);
      credentials.keepMemberPeers(nodes.memberPeers().values());
      credentials.forget(nodeId);
      FileTrees.delete(dataDirectory.resolve(nodeId));
      throw e;
    }
  }

  /**
   * Gives a peer new signing and TLS certificates from {@code authority} — after the members
   * replaced the ledger's authority, before the old one's grace period ends — and restarts it if it
   * runs.
   */
  public void recertifyPeer(String nodeId, CertificateAuthority authority)
      throws IOException, ConfigException, CaException {
    nodes.peerConfig(nodeId);
    install(credentials.reissuePeer(nodeId, authority), authority.chain());
  }

  /**
   * Gives a peer signing and TLS certificates made elsewhere — by an authority the members hold,
   * answering requests for keys made here — and restarts it if it runs. The caller has checked that
   * the certificates chain to the ledger's trust roots and certify the given keys.
   *
   * @param tlsChain the TLS certificate, for {@code tlsKey}, then the intermediates above it
   * @param authorityChain the issuing authority's chain, its root last (for the node's MSP folder)
   */
  public void recertifyPeer(
      String nodeId,
      X509Certificate signing,
      PrivateKey signingKey,
      List<X509Certificate> tlsChain,
      PrivateKey tlsKey,
      List<X509Certificate> authorityChain)
      throws IOException, ConfigException {
    nodes.peerConfig(nodeId);
    install(credentials.node(nodeId).with(signing, signingKey, tlsChain, tlsKey), authorityChain);
  }

  /**
   * The signing and TLS certificates a node of this process (peer or orderer) uses now, if it keeps
   * credentials for it.
   */
  public Optional<NodeCertificates> nodeCertificates(String nodeId) {
    if (!credentials.has(nodeId)) {
      return Optional.empty();
    }
    NodeCredentials node = credentials.node(nodeId);
    return Optional.of(new NodeCertificates(node.signer().certificate(), node.tls().certificate()));
  }

  /**
   * Puts renewals of a node's signing and TLS certificates — for the same keys, by the ledger's
   * authority — in use at once, without restarting it: it signs and presents them from now on, and
   * restarts with them.
   *
   * @param authorityChain the issuing authority's chain, its root last (for the node's folder)
   * @throws IllegalArgumentException if a renewal certifies another key
   */
  public synchronized void renewCertificates(
      String nodeId,
      Optional<X509Certificate> signing,
      Optional<X509Certificate> tls,
      List<X509Certificate> authorityChain)
      throws IOException {
    credentials.renew(nodeId, signing, tls, authorityChain);
    log.info(
        "ledger.certificates_renewed ledger={} node={} signing_until={} tls_until={}",
        ledgerId(),
        nodeId,
        signing.map(c -> c.getNotAfter().toInstant()).orElse(null),
        tls.map(c -> c.getNotAfter().toInstant()).orElse(null));
  }

  /** The signing certificate a peer signs with now. */
  public X509Certificate peerSigningCertificate(String nodeId) {
    nodes.peerConfig(nodeId);
    return credentials.node(nodeId).signer().certificate();
  }

  private void install(NodeCredentials node, List<X509Certificate> chain)
      throws IOException, ConfigException {
    credentials.install(node, chain);
    if (nodes.peer(node.nodeId()).isPresent()) {
      nodes.stopPeer(node.nodeId());
      nodes.startPeer(node.nodeId(), Optional.empty());
    }
  }

  /** Starts (or starts again, on its data) an orderer. */
  /**
   * Stops an orderer of this process the members voted out of the ordering group and deletes its
   * keys and data: afterwards this process holds nothing of it, and does not start it again.
   */
  synchronized void retireOrderer(String nodeId) {
    nodes.retireOrderer(nodeId);
    try {
      credentials.forget(nodeId);
      FileTrees.delete(dataDirectory.resolve(nodeId));
      log.info("ledger.orderer_retired ledger={} node={}", ledgerId(), nodeId);
    } catch (IOException e) {
      log.error(
          "ledger.orderer_retire_failed ledger={} node={} hint=\"delete its keys by hand\"",
          ledgerId(),
          nodeId,
          e);
    }
  }

  /**
   * Stops a peer of a member the others voted out and deletes its keys and data: afterwards this
   * process holds nothing of it, and does not start it again.
   */
  public synchronized void retirePeer(String nodeId) throws IOException {
    nodes.forgetPeer(nodeId);
    credentials.keepMemberPeers(nodes.memberPeers().values());
    credentials.forget(nodeId);
    FileTrees.delete(dataDirectory.resolve(nodeId));
    log.info("ledger.peer_retired ledger={} node={}", ledgerId(), nodeId);
  }

  /** Whether this process keeps credentials for {@code nodeId}. */
  public boolean hostsCredentials(String nodeId) {
    return credentials.has(nodeId);
  }

  public OrdererNode startOrderer(String nodeId) throws IOException {
    return nodes.startOrderer(nodeId);
  }

  /** Stops an orderer as a crash would: its Raft server and gRPC server go away at once. */
  public void stopOrderer(String nodeId) {
    nodes.stopOrderer(nodeId);
  }

  /** Starts (or starts again, on its data) a peer. */
  public PeerNode startPeer(String nodeId) throws IOException, ConfigException {
    return nodes.startPeer(nodeId, Optional.empty());
  }

  /**
   * Starts a peer whose data directory is empty from a snapshot another peer exported, instead of
   * replaying the ledger from its genesis.
   */
  public PeerNode startPeerFromSnapshot(String nodeId, Path snapshot)
      throws IOException, ConfigException {
    return nodes.startPeer(nodeId, Optional.of(snapshot));
  }

  public void stopPeer(String nodeId) throws IOException {
    nodes.stopPeer(nodeId);
  }

  @Override
  public void close() {
    nodes.close();
    log.info("ledger.stopped ledger={}", ledgerId());
  }
}
