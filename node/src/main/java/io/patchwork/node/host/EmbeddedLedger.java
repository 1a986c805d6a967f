package io.patchwork.node.host;

import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.governance.Tally;
import io.patchwork.node.api.ArchiveCheck;
import io.patchwork.node.api.BlockCommitted;
import io.patchwork.node.api.Closing;
import io.patchwork.node.api.Commit;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.HostedNode;
import io.patchwork.node.api.LedgerError;
import io.patchwork.node.api.LedgerException;
import io.patchwork.node.api.NodeCertificates;
import io.patchwork.node.api.NodeRole;
import io.patchwork.node.api.Snapshot;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.ConfigTransactions;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.contract.ExternalChaincode;
import io.patchwork.node.governance.DecisionEffects;
import io.patchwork.node.governance.GovernanceDecisions;
import io.patchwork.node.governance.GovernanceRecords;
import io.patchwork.node.peer.CommittedBlock;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.state.SnapshotInfo;
import io.patchwork.node.state.TxRecord;
import io.patchwork.node.update.ConfigUpdateCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.peer.TxValidationCode;

/**
 * A {@link HostedLedger} whose nodes all run in this process: the network manager's view of a
 * {@link LocalLedger}. Reads go to the furthest running peer; submissions go through a hosted peer
 * of the member they are for, signed with that peer's key.
 */
final class EmbeddedLedger implements HostedLedger {
  private final LocalLedger ledger;
  private final Path directory;
  private final Clock clock;
  private final LedgerClosing closing;
  private final List<Consumer<BlockCommitted>> listeners = new CopyOnWriteArrayList<>();
  private final PeerMoves moves;
  private final List<ExternalChaincode> chaincode;

  EmbeddedLedger(
      LocalLedger ledger, Path directory, Clock clock, List<ExternalChaincode> chaincode) {
    this.chaincode = List.copyOf(chaincode);
    this.ledger = ledger;
    this.directory = directory;
    this.clock = clock;
    this.closing = new LedgerClosing(ledger, clock);
    this.moves = new PeerMoves(ledger, clock);
  }

  /** Records the peers' new addresses in the config once they caught up (after a takeover). */
  void announceMovedPeers() {
    moves.start();
  }

  @Override
  public String ledgerId() {
    return ledger.ledgerId();
  }

  @Override
  public Block genesis() {
    return ledger.genesis();
  }

  @Override
  public LedgerConfig genesisConfig() {
    return ledger.config();
  }

  @Override
  public LedgerConfig config() {
    return rules().config();
  }

  private LedgerRules rules() {
    return ledger.furthestPeer().ledger().rules();
  }

  @Override
  public long height() {
    return ledger.peers().stream().mapToLong(p -> p.ledger().height()).max().orElse(0);
  }

  @Override
  public List<HostedNode> nodes() {
    List<HostedNode> nodes = new ArrayList<>();
    ledger.orderers().forEach(o -> nodes.add(new OrdererView(o, ledger.ordererConfig(o.nodeId()))));
    ledger.peers().forEach(peer -> nodes.add(new PeerView(peer.nodeId())));
    return nodes;
  }

  @Override
  public void onCommit(Consumer<BlockCommitted> listener) {
    listeners.add(listener);
    ledger.peers().forEach(peer -> attach(peer, listener));
  }

  private void attach(PeerNode peer, Consumer<BlockCommitted> listener) {
    peer.ledger().onCommit(block -> listener.accept(event(peer.nodeId(), block)));
  }

  private static BlockCommitted event(String peerId, CommittedBlock block) {
    return new BlockCommitted(
        peerId,
        block.block(),
        block.transactions().stream()
            .map(tx -> new BlockCommitted.Outcome(tx.txId(), tx.txNumber(), tx.code()))
            .toList());
  }

  @Override
  public HostedNode addMemberPeer(String organization, String mspId, CertificateAuthority authority)
      throws LedgerException {
    if (!rules().isMember(mspId)) {
      throw new LedgerException(
          LedgerError.NOT_A_MEMBER, mspId + " is not a member of ledger " + ledgerId());
    }
    return fromSnapshot(snapshot -> ledger.addMemberPeer(organization, mspId, authority, snapshot));
  }

  @Override
  public HostedNode addMemberPeer(
      String nodeId,
      String organization,
      String mspId,
      X509Certificate signing,
      PrivateKey signingKey,
      List<X509Certificate> tlsChain,
      PrivateKey tlsKey,
      List<X509Certificate> authorityChain)
      throws LedgerException {
    if (!rules().isMember(mspId)) {
      throw new LedgerException(
          LedgerError.NOT_A_MEMBER, mspId + " is not a member of ledger " + ledgerId());
    }
    NodeFiles.Credentials certified =
        new NodeFiles.Credentials(signing, signingKey, tlsChain, tlsKey);
    return fromSnapshot(
        snapshot ->
            ledger.addMemberPeer(nodeId, organization, mspId, certified, authorityChain, snapshot));
  }

  /** Starts a peer {@code start} adds from a snapshot of the furthest peer, written for it. */
  private HostedNode fromSnapshot(PeerStart start) throws LedgerException {
    Path snapshot = directory.resolve("snapshots").resolve("join-" + UUID.randomUUID());
    try {
      Files.createDirectories(snapshot.getParent());
      ledger.furthestPeer().ledger().exportSnapshot(snapshot);
      PeerNode peer = start.from(snapshot);
      listeners.forEach(listener -> attach(peer, listener));
      return new PeerView(peer.nodeId());
    } catch (IOException | ConfigException | CaException | IllegalArgumentException e) {
      throw new LedgerException(
          LedgerError.NODE_FAILED, "the peer could not be started: " + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(snapshot);
      } catch (IOException e) {
        // a leftover snapshot under the ledger's directory goes with the ledger
      }
    }
  }

  @FunctionalInterface
  private interface PeerStart {
    PeerNode from(Path snapshot) throws IOException, ConfigException, CaException;
  }

  @Override
  public List<String> retireMemberPeers(String mspId) throws LedgerException {
    if (rules().isMember(mspId)) {
      throw new LedgerException(
          LedgerError.WRONG_STAGE, mspId + " is still a member of ledger " + ledgerId());
    }
    List<String> retired = new ArrayList<>();
    for (PeerNode peer : ledger.peers()) {
      if (peer.mspId().equals(mspId)) {
        try {
          ledger.retirePeer(peer.nodeId());
        } catch (IOException e) {
          throw new LedgerException(
              LedgerError.NODE_FAILED,
              "peer " + peer.nodeId() + " was stopped but its files were not deleted: " + e,
              e);
        }
        retired.add(peer.nodeId());
      }
    }
    return retired;
  }

  @Override
  public Snapshot exportSnapshot(Path file) throws LedgerException {
    try {
      SnapshotInfo info = ledger.furthestPeer().ledger().exportSnapshot(file);
      return new Snapshot(info.height(), info.entries(), info.stateHash());
    } catch (IOException e) {
      throw new LedgerException(
          LedgerError.NODE_FAILED, "the snapshot could not be written: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<SignedGovernanceProposal> proposal(String proposalId) {
    return GovernanceRecords.proposal(ledger.furthestPeer().ledger().state(), proposalId);
  }

  @Override
  public List<String> proposalIds(int limit) {
    return GovernanceRecords.proposalIds(ledger.furthestPeer().ledger().state(), limit);
  }

  @Override
  public List<GovernanceBallot> ballots(String proposalId) {
    return GovernanceRecords.ballots(ledger.furthestPeer().ledger().state(), proposalId);
  }

  @Override
  public Optional<Tally> tally(String proposalId, Instant at) {
    PeerNode peer = ledger.furthestPeer();
    return GovernanceRecords.tally(peer.ledger().state(), peer.ledger().rules(), proposalId, at);
  }

  @Override
  public Commit record(String mspId, ConfigUpdate record, Duration timeout) throws LedgerException {
    PeerNode peer = hostedPeer(mspId);
    LedgerRules rules = peer.ledger().rules();
    Instant now = clock.instant();
    Optional<String> refusal =
        GovernanceRecords.statelessRefusal(record, rules, now, ledger.verifier())
            .or(
                () ->
                    GovernanceRecords.record(
                            record, rules, peer.ledger().state(), now, ledger.verifier())
                        .refusal());
    if (refusal.isPresent()) {
      throw new LedgerException(LedgerError.REFUSED, refusal.get());
    }
    return submit(
        peer, ConfigTransactions.envelope(record, ledger.signer(peer.nodeId()), now), timeout);
  }

  @Override
  public Commit decide(
      String mspId,
      SignedGovernanceProposal proposal,
      List<GovernanceBallot> ballots,
      Duration timeout)
      throws LedgerException {
    PeerNode peer = hostedPeer(mspId);
    Envelope decision;
    try {
      decision =
          GovernanceDecisions.decisionEnvelope(
              peer.ledger().rules().config(),
              proposal,
              ballots,
              ledger.signer(peer.nodeId()),
              clock.instant());
    } catch (DecisionEffects.Inapplicable e) {
      throw new LedgerException(LedgerError.INAPPLICABLE, e.getMessage(), e);
    }
    return submit(peer, decision, timeout);
  }

  @Override
  public Commit update(String mspId, ConfigUpdate update, Duration timeout) throws LedgerException {
    PeerNode peer =
        ledger.peers().stream()
            .filter(p -> p.mspId().equals(mspId))
            .findFirst()
            .or(() -> ledger.peers().stream().findFirst())
            .orElseThrow(
                () ->
                    new LedgerException(
                        LedgerError.NO_HOSTED_NODE, "no peer runs here to submit through"));
    ConfigUpdateCheck.Verdict verdict =
        ConfigUpdateCheck.checkUpdate(
            update.toByteString(), peer.ledger().rules(), clock.instant(), ledger.verifier());
    if (!verdict.applies()) {
      throw new LedgerException(LedgerError.REFUSED, verdict.refusal());
    }
    return submit(
        peer,
        ConfigTransactions.envelope(update, ledger.signer(peer.nodeId()), clock.instant()),
        timeout);
  }

  private Commit submit(PeerNode peer, Envelope envelope, Duration timeout) throws LedgerException {
    TxRecord committed;
    try {
      committed = ledger.submit(peer.nodeId(), envelope, timeout);
    } catch (IOException | TimeoutException e) {
      throw new LedgerException(
          LedgerError.UNAVAILABLE, "it could not be committed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LedgerException(LedgerError.UNAVAILABLE, "interrupted while it committed", e);
    }
    TxValidationCode code = TxValidationCode.forNumber(committed.validationCode());
    Commit commit =
        new Commit(
            committed.txId(),
            committed.blockNumber(),
            code == null ? TxValidationCode.INVALID_OTHER_REASON : code);
    if (!commit.valid()) {
      throw new LedgerException(
          LedgerError.INVALID, "the ledger committed it as invalid (" + commit.code() + ")");
    }
    return commit;
  }

  private PeerNode hostedPeer(String mspId) throws LedgerException {
    return ledger.peers().stream()
        .filter(p -> p.mspId().equals(mspId))
        .findFirst()
        .orElseThrow(
            () ->
                new LedgerException(
                    LedgerError.NO_HOSTED_NODE,
                    mspId + " has no peer running here to submit through"));
  }

  @Override
  public Closing commitStatement(Path finalState, Duration timeout) throws LedgerException {
    try {
      return closing.commitStatement(finalState, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LedgerException(LedgerError.UNAVAILABLE, "interrupted while closing", e);
    }
  }

  @Override
  public ArchiveCheck archive(Path archive, Path finalState) throws LedgerException {
    try {
      return closing.archive(archive, finalState);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LedgerException(LedgerError.UNAVAILABLE, "interrupted while archiving", e);
    }
  }

  @Override
  public X509Certificate signingCertificate(String peerId) {
    return ledger.peerSigningCertificate(peerId);
  }

  @Override
  public Map<String, NodeCertificates> nodeCertificates() {
    Map<String, NodeCertificates> certificates = new LinkedHashMap<>();
    for (HostedNode node : nodes()) {
      ledger
          .nodeCertificates(node.nodeId())
          .ifPresent(pair -> certificates.put(node.nodeId(), pair));
    }
    return certificates;
  }

  @Override
  public void renewCertificates(
      String nodeId,
      Optional<X509Certificate> signing,
      Optional<X509Certificate> tls,
      List<X509Certificate> authorityChain)
      throws LedgerException {
    try {
      ledger.renewCertificates(nodeId, signing, tls, authorityChain);
    } catch (IOException | IllegalArgumentException e) {
      throw new LedgerException(
          LedgerError.NODE_FAILED,
          "the renewed certificates of " + nodeId + " were not put in use: " + e.getMessage(),
          e);
    }
  }

  @Override
  public void recertifyPeer(
      String peerId,
      X509Certificate signing,
      PrivateKey signingKey,
      List<X509Certificate> tlsChain,
      PrivateKey tlsKey,
      List<X509Certificate> authorityChain)
      throws LedgerException {
    try {
      ledger.recertifyPeer(peerId, signing, signingKey, tlsChain, tlsKey, authorityChain);
    } catch (IOException | ConfigException e) {
      throw new LedgerException(
          LedgerError.NODE_FAILED,
          "peer " + peerId + " did not restart with its new certificates: " + e.getMessage(),
          e);
    }
    // The peer restarted as a new node: it reports its commits afresh.
    ledger
        .runningPeer(peerId)
        .ifPresent(peer -> listeners.forEach(listener -> attach(peer, listener)));
  }

  @Override
  public void close() {
    moves.stop();
    ledger.close();
    chaincode.forEach(ExternalChaincode::close);
  }

  /** A peer, found by id on each read so that one restarted with new certificates is followed. */
  private final class PeerView implements HostedNode {
    private final String nodeId;
    private final String mspId;
    private final String host;
    private final int port;

    PeerView(String nodeId) {
      PeerNode peer = ledger.peer(nodeId);
      this.nodeId = nodeId;
      this.mspId = peer.mspId();
      // Where it is reached (the config's address), not the interface it listens on.
      this.host = ledger.peerConfig(nodeId).getHost();
      this.port = peer.port();
    }

    @Override
    public String nodeId() {
      return nodeId;
    }

    @Override
    public NodeRole role() {
      return NodeRole.PEER;
    }

    @Override
    public String mspId() {
      return mspId;
    }

    @Override
    public String host() {
      return host;
    }

    @Override
    public int port() {
      return port;
    }

    @Override
    public long height() {
      return ledger.runningPeer(nodeId).map(p -> p.ledger().height()).orElse(0L);
    }

    @Override
    public boolean isLeader() {
      return false;
    }

    @Override
    public Optional<Long> term() {
      return Optional.empty();
    }
  }
}
