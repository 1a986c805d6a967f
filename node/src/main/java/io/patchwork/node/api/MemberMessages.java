package io.patchwork.node.api;

import com.google.protobuf.ByteString;
import io.patchwork.governance.Choice;
import io.patchwork.governance.VotingPolicy;
import io.patchwork.node.config.ConfigTransactions;
import io.patchwork.node.config.proto.ConfigSignature;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.HolderRevocation;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.governance.DecisionEffects;
import io.patchwork.node.governance.GovernanceDecisions;
import io.patchwork.node.governance.GovernanceEncoding;
import io.patchwork.node.governance.GovernanceRecords;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The governance messages a member signs on its own side with its admin key, and the records that
 * carry them onto a ledger — exactly as every peer checks them.
 */
public final class MemberMessages {
  private MemberMessages() {}

  /** A proposal signed by its proposer, an admin of a member. */
  public static SignedGovernanceProposal propose(GovernanceProposal proposal, NodeSigner proposer) {
    return GovernanceDecisions.propose(proposal, proposer);
  }

  /** An admin's ballot on a signed proposal, for the admin's own organisation. */
  public static GovernanceBallot vote(
      SignedGovernanceProposal proposal, NodeSigner admin, Choice choice, Instant castAt) {
    return GovernanceDecisions.vote(proposal, admin, choice, castAt);
  }

  /** The voting policy in force under a config (more than half of all members if it names none). */
  public static VotingPolicy votingPolicy(LedgerConfig config) {
    return GovernanceEncoding.rules(config).voting();
  }

  /** Until when the ledger's contracts may be upgraded, if its template limits it. */
  public static Optional<Instant> upgradesUntil(LedgerConfig config) {
    return DecisionEffects.upgradesUntil(config);
  }

  /** A proposal's id: the hex SHA-256 of its bytes as signed. */
  public static String proposalId(ByteString proposalBytes) {
    return GovernanceEncoding.proposalId(proposalBytes);
  }

  /**
   * Why the proposal's effect could not be carried out on {@code current} if it were approved now
   * (a member that is not there, an ordering group left without a majority, ...), or empty: so that
   * such a proposal is refused before anyone votes on it.
   */
  public static Optional<String> inapplicable(LedgerConfig current, GovernanceProposal proposal) {
    try {
      DecisionEffects.apply(current, proposal, "check", Instant.now());
      return Optional.empty();
    } catch (DecisionEffects.Inapplicable e) {
      return Optional.of(e.getMessage());
    }
  }

  /**
   * The config a member's revocation of its own certificates asks for: {@code current} with {@code
   * crl} (DER) in force in place of its authority's, at the next sequence. One admin of the member
   * signs it ({@link #signConfig}); {@link #holderRevocation} carries it with the certificates.
   *
   * @throws IllegalArgumentException if the CRL is not signed by an authority of the ledger, is not
   *     newer, takes a revocation back or revokes nothing new
   */
  public static LedgerConfig withRevocations(LedgerConfig current, byte[] crl) {
    try {
      return DecisionEffects.withRevocations(current, ByteString.copyFrom(crl));
    } catch (DecisionEffects.Inapplicable e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** An admin's signature over a config (over config bytes ‖ signature header). */
  public static ConfigSignature signConfig(LedgerConfig next, NodeSigner admin) {
    return ConfigTransactions.sign(next, admin);
  }

  /**
   * The config update by which a member revokes certificates of its own without a vote: the next
   * config, its admin's signature, and the certificates the new CRL revokes (PEM).
   */
  public static ConfigUpdate holderRevocation(
      LedgerConfig next, List<ConfigSignature> signatures, List<String> certificatesPem) {
    HolderRevocation.Builder revocation = HolderRevocation.newBuilder();
    certificatesPem.forEach(
        pem -> revocation.addCertificates(ByteString.copyFrom(pem, StandardCharsets.US_ASCII)));
    return ConfigUpdate.newBuilder()
        .setConfig(next)
        .addAllSignatures(signatures)
        .setHolderRevocation(revocation)
        .build();
  }

  /** The config record that puts a signed proposal on the ledger. */
  public static ConfigUpdate proposalRecord(String ledgerId, SignedGovernanceProposal proposal) {
    return GovernanceRecords.proposalUpdate(ledgerId, proposal);
  }

  /** The config record that puts a ballot on the ledger. */
  public static ConfigUpdate ballotRecord(
      String ledgerId, String proposalId, GovernanceBallot ballot) {
    return GovernanceRecords.ballotUpdate(ledgerId, proposalId, ballot);
  }
}
