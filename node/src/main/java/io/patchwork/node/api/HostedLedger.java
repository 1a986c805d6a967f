package io.patchwork.node.api;

import io.patchwork.ca.CertificateAuthority;
import io.patchwork.governance.Tally;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.hyperledger.fabric.protos.common.Block;

/**
 * A ledger whose nodes this process runs: its nodes, the config and governance records it has
 * committed, the config transactions the manager submits for its members, and its settlement.
 *
 * <p>Reads answer from the furthest running peer: what the ledger has committed, as late as this
 * process knows it. Calls that submit a transaction block until a peer committed it or the timeout
 * passed (call them off event loops). Thread-safe, but lifecycle changes (adding or recertifying a
 * peer, closing) must not overlap for one ledger: the caller serialises them.
 */
public interface HostedLedger extends AutoCloseable {
  String ledgerId();

  Block genesis();

  /** The config the ledger started with (its opening, if a successor, is there). */
  LedgerConfig genesisConfig();

  /** The config in force. */
  LedgerConfig config();

  /** How many blocks the furthest running peer holds; 0 when no peer runs. */
  long height();

  /** Every running node, orderers first, in config order. */
  List<HostedNode> nodes();

  default List<HostedNode> peers() {
    return nodes().stream().filter(n -> n.role() == NodeRole.PEER).toList();
  }

  /** The first running peer of the member, if it has one here. */
  default Optional<HostedNode> peerOf(String mspId) {
    return peers().stream().filter(p -> p.mspId().equals(mspId)).findFirst();
  }

  /**
   * Calls {@code listener} for every block a running peer commits (peers added later included), on
   * that peer's commit thread: it must be quick and must not block.
   */
  void onCommit(Consumer<BlockCommitted> listener);

  /**
   * Adds and starts a peer for a member organisation from a snapshot of the furthest peer, with new
   * certificates from {@code authority}; it replays only the blocks after the snapshot and comes
   * back after a restart. Nothing of it is left if it cannot start.
   *
   * @throws LedgerException NOT_A_MEMBER if the organisation is no member in the config in force,
   *     NODE_FAILED if the peer did not start
   */
  HostedNode addMemberPeer(String organization, String mspId, CertificateAuthority authority)
      throws LedgerException;

  /**
   * As {@link #addMemberPeer(String, String, CertificateAuthority)}, with certificates made
   * elsewhere — by an authority the members hold, for keys made here — naming the node id {@code
   * nodeId} chosen when they were requested. The caller has checked that they chain to the ledger's
   * trust roots and certify the given keys.
   *
   * @param tlsChain the TLS certificate, then the intermediates above it
   * @param authorityChain the issuing authority's chain, its root last (for the MSP folder)
   * @throws LedgerException NOT_A_MEMBER, NODE_FAILED if the node id is taken or the peer did not
   *     start
   */
  HostedNode addMemberPeer(
      String nodeId,
      String organization,
      String mspId,
      X509Certificate signing,
      PrivateKey signingKey,
      List<X509Certificate> tlsChain,
      PrivateKey tlsKey,
      List<X509Certificate> authorityChain)
      throws LedgerException;

  /**
   * Stops the running peers of an organisation the members voted out and deletes their keys and
   * data; they are not started again. Returns their node ids.
   *
   * @throws LedgerException WRONG_STAGE if the organisation is still a member in the config in
   *     force, NODE_FAILED if a peer's files could not be deleted
   */
  List<String> retireMemberPeers(String mspId) throws LedgerException;

  /**
   * Writes a snapshot of the furthest peer's committed state to {@code file}.
   *
   * @throws LedgerException NODE_FAILED if it cannot be written
   */
  Snapshot exportSnapshot(Path file) throws LedgerException;

  // Governance records on the ledger.

  Optional<SignedGovernanceProposal> proposal(String proposalId);

  /** The ids of recorded proposals, oldest first, at most {@code limit}. */
  List<String> proposalIds(int limit);

  /** The ballots cast on a proposal, in the order they were recorded. */
  List<GovernanceBallot> ballots(String proposalId);

  /** The tally of an open proposal at {@code at}; empty once a config change closed it. */
  Optional<Tally> tally(String proposalId, Instant at);

  /**
   * Checks a governance record (a proposal or a ballot) as every peer will, then submits it through
   * the member's peer and waits until it is committed.
   *
   * @throws LedgerException REFUSED with the peers' reason, INVALID if committed as invalid,
   *     NO_HOSTED_NODE if the member has no peer here, UNAVAILABLE if not committed in time
   */
  Commit record(String mspId, ConfigUpdate record, Duration timeout) throws LedgerException;

  /**
   * Submits the decision that carries out an approved proposal — its effect on the config in force,
   * authorised by the proposal and its ballots — through the member's peer, and waits until it is
   * committed.
   *
   * @throws LedgerException INAPPLICABLE if the effect cannot be applied, INVALID, NO_HOSTED_NODE
   *     or UNAVAILABLE as for {@link #record}
   */
  Commit decide(
      String mspId,
      SignedGovernanceProposal proposal,
      List<GovernanceBallot> ballots,
      Duration timeout)
      throws LedgerException;

  /**
   * Checks a config update signed by admins — a member's revocation of its own certificates, say —
   * as every node will, then submits it through the member's peer (or another running peer if the
   * member has none here) and waits until it is committed.
   *
   * @throws LedgerException REFUSED with the nodes' reason, INVALID if committed as invalid,
   *     NO_HOSTED_NODE if no peer runs here, UNAVAILABLE if not committed in time
   */
  Commit update(String mspId, ConfigUpdate update, Duration timeout) throws LedgerException;

  // Settlement.

  /**
   * Settles a closing ledger: once the running peers are level, computes the statement from the
   * committed state, has peers of as many members as the voting threshold needs sign it, and
   * commits it as the ledger's last block. The state it describes is written to {@code finalState}
   * (for the archive).
   *
   * @throws LedgerException WRONG_STAGE unless the ledger is CLOSING, TOO_FEW_SIGNERS, BUSY if
   *     blocks kept landing meanwhile, REFUSED if the peers kept refusing it, UNAVAILABLE
   */
  Closing commitStatement(Path finalState, Duration timeout) throws LedgerException;

  /**
   * Writes the archive of a closed ledger from a peer that holds every block from genesis, with the
   * final state {@link #commitStatement} wrote, and verifies it offline.
   *
   * @throws LedgerException WRONG_STAGE unless the ledger is CLOSED, NODE_FAILED if no peer holds
   *     the whole history or the archive cannot be written
   */
  ArchiveCheck archive(Path archive, Path finalState) throws LedgerException;

  // Certificates of hosted peers.

  /** The signing and TLS certificates each running node whose keys this process holds uses now. */
  Map<String, NodeCertificates> nodeCertificates();

  /**
   * Puts renewals of a node's certificates — the same keys, certified again by the ledger's
   * authority — in use at once: the node signs with and presents them from now on, without a
   * restart, and restarts with them. Nothing in the config changes: it pins keys, not certificates.
   *
   * @param authorityChain the issuing authority's chain, its root last
   * @throws LedgerException NODE_FAILED if a renewal certifies another key or cannot be kept
   */
  void renewCertificates(
      String nodeId,
      Optional<X509Certificate> signing,
      Optional<X509Certificate> tls,
      List<X509Certificate> authorityChain)
      throws LedgerException;

  /** The signing certificate a running peer signs with now. */
  X509Certificate signingCertificate(String peerId);

  /**
   * Gives a peer signing and TLS certificates made elsewhere (by an authority the members hold, for
   * keys made here) and restarts it. The caller has checked that they chain to the ledger's trust
   * roots and certify the given keys.
   *
   * @param tlsChain the TLS certificate, then the intermediates above it
   * @param authorityChain the issuing authority's chain, its root last (for the MSP folder)
   * @throws LedgerException NODE_FAILED if the peer does not start with them
   */
  void recertifyPeer(
      String peerId,
      X509Certificate signing,
      PrivateKey signingKey,
      List<X509Certificate> tlsChain,
      PrivateKey tlsKey,
      List<X509Certificate> authorityChain)
      throws LedgerException;

  /** Stops every node; their data stays. */
  @Override
  void close();
}
