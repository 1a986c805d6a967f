package io.patchwork.node.update;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.ca.Role;
import io.patchwork.ca.Subjects;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.MemberSignatures;
import io.patchwork.node.config.proto.ConfigSignature;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.LedgerStatus;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.governance.DecisionChecks;
import io.patchwork.node.governance.GovernanceDecisions;
import io.patchwork.node.governance.GovernanceRecords;
import io.patchwork.node.identity.IdentityCheck;
import io.patchwork.node.settle.SettlementStatements;
import io.patchwork.node.tx.ConfigEnvelopes;
import io.patchwork.node.tx.EnvelopeHeaders;
import io.patchwork.node.tx.TransactionIds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.SignatureHeader;

/**
 * Whether a config transaction changes the config in force: the one verdict orderers and peers both
 * reach, so that they move to a new config at the same block.
 *
 * <p>The envelope must be for this ledger, carry a transaction id derived from its nonce and
 * creator, be signed by a member's certificate valid at the block time, and hold the next config
 * (same ledger, sequence one higher, a config that reads as a valid ledger config) signed by admins
 * of at least as many member organisations as the current config's modification policy asks. A
 * closed ledger takes no config change. Instead of admin signatures, an update may carry a
 * governance decision — a proposal and the ballots that approved it — when the new config is that
 * proposal's effect ({@link GovernanceDecisions}). Two changes need fewer signatures: a peer's own
 * address, signed by that peer, and a member's revocation of its own certificates, signed by one of
 * its admins ({@link HolderRevocations}).
 *
 * <p>Deterministic: the answer depends only on the envelope, the current rules and the block time.
 */
public final class ConfigUpdateCheck {
  private ConfigUpdateCheck() {}

  /**
   * The verdict: the rules the update leads to, or why it does not apply. A governance record
   * applies without changing the rules ({@link #changesConfig}).
   */
  public record Verdict(Optional<LedgerRules> next, String refusal) {
    public Verdict {
      Objects.requireNonNull(next, "next");
      Objects.requireNonNull(refusal, "refusal");
    }

    static Verdict refused(String why) {
      return new Verdict(Optional.empty(), why);
    }

    public boolean applies() {
      return next.isPresent();
    }

    /** Whether it applies and moves the config to a new sequence. */
    public boolean changesConfig(LedgerRules current) {
      return next.isPresent() && next.get().sequence() != current.sequence();
    }
  }

  /**
   * Checks a config envelope against the rules in force at {@code blockTime}; without a block time
   * (blocks from before orderers recorded one) the envelope's own timestamp stands in, as it does
   * for peers. Of a {@code CONFIG} envelope it judges the config transaction inside; whether its
   * channel tree is the one the change leads to is for whoever follows the trees ({@link
   * ConfigChain}, peers).
   */
  public static Verdict check(
      ByteString envelopeBytes,
      LedgerRules current,
      Optional<Instant> blockTime,
      SignatureVerifier verifier) {
    Envelope envelope;
    EnvelopeHeaders headers;
    ChannelHeader channel;
    SignatureHeader signatureHeader;
    try {
      envelope = Envelope.parseFrom(envelopeBytes);
      headers = EnvelopeHeaders.read(envelope);
      Optional<ConfigEnvelopes.Wrapped> wrapped =
          ConfigEnvelopes.unwrap(headers.payload(), headers.channel());
      if (wrapped.isPresent()) {
        // A config block's CONFIG envelope: the member's transaction inside is what is judged.
        Optional<Envelope> submitted = wrapped.get().submitted();
        if (submitted.isEmpty()) {
          return Verdict.refused("the config envelope holds no config transaction");
        }
        envelope = submitted.get();
        headers = EnvelopeHeaders.read(envelope);
        if (headers.channel().getType() != HeaderType.ENDORSER_TRANSACTION_VALUE) {
          return Verdict.refused("the config envelope holds no config transaction");
        }
      }
      channel = headers.channel();
      signatureHeader = headers.signatureHeader();
    } catch (InvalidProtocolBufferException e) {
      return Verdict.refused("the envelope cannot be decoded");
    }
    if (!headers.isConfig()) {
      return Verdict.refused("not a config transaction");
    }
    ByteString update;
    try {
      update = headers.configUpdate();
    } catch (InvalidProtocolBufferException e) {
      return Verdict.refused("the config transaction carries no update: " + e.getMessage());
    }
    if (!channel.getChannelId().equals(current.ledgerId())) {
      return Verdict.refused("the envelope is for ledger " + channel.getChannelId());
    }
    if (signatureHeader.getNonce().isEmpty()
        || signatureHeader.getCreator().isEmpty()
        || !TransactionIds.compute(signatureHeader.getNonce(), signatureHeader.getCreator())
            .equals(channel.getTxId())) {
      return Verdict.refused("the transaction id does not match the nonce and creator");
    }
    Instant at =
        blockTime.orElseGet(
            () ->
                Instant.ofEpochSecond(
                    channel.getTimestamp().getSeconds(), channel.getTimestamp().getNanos()));
    if (!MemberSignatures.signed(
            current,
            signatureHeader.getCreator(),
            envelope.getPayload(),
            envelope.getSignature(),
            at,
            verifier)
        .passed()) {
      return Verdict.refused("the envelope is not signed by a member");
    }
    return checkUpdate(update, current, at, verifier);
  }

  /**
   * A settlement statement closes a CLOSING ledger: the new config is the one in force, CLOSED, at
   * the next sequence; peers of enough members signed the statement. (Peers also check that the
   * statement is what their own state gives.)
   */
  private static Verdict statementVerdict(
      ConfigUpdate update,
      LedgerRules current,
      LedgerRules next,
      Instant at,
      SignatureVerifier verifier) {
    if (update.getSignaturesCount() > 0 || update.hasDecision()) {
      return Verdict.refused("a settlement statement carries no admin signatures or decision");
    }
    if (current.status() != LedgerStatus.CLOSING) {
      return Verdict.refused("only a closing ledger is settled; this one is " + current.status());
    }
    if (!update
        .getConfig()
        .equals(
            current.config().toBuilder()
                .setSequence(current.sequence() + 1)
                .setStatus(LedgerStatus.CLOSED)
                .build())) {
      return Verdict.refused("a settlement statement closes the ledger and changes nothing else");
    }
    return SettlementStatements.signatureRefusal(update.getStatement(), current, at, verifier)
        .map(Verdict::refused)
        .orElseGet(() -> new Verdict(Optional.of(next), ""));
  }

  /** The config part of {@link #check}: the new config and its admins' signatures. */
  public static Verdict checkUpdate(
      ByteString updateBytes, LedgerRules current, Instant at, SignatureVerifier verifier) {
    ConfigUpdate update;
    LedgerRules next;
    try {
      update = ConfigUpdate.parseFrom(updateBytes);
      if (update.hasImportedState()) {
        return Verdict.refused("a ledger's state is imported in its genesis block only");
      }
      if (update.hasRecord()) {
        if (current.status() == LedgerStatus.CLOSED) {
          return Verdict.refused("the ledger is closed");
        }
        // A proposal or ballot recorded on the ledger: orderable, and the config stays as it is.
        return GovernanceRecords.statelessRefusal(update, current, at, verifier)
            .map(Verdict::refused)
            .orElseGet(() -> new Verdict(Optional.of(current), ""));
      }
      next = LedgerRules.of(update.getConfig());
    } catch (InvalidProtocolBufferException e) {
      return Verdict.refused("the config update cannot be decoded");
    } catch (ConfigException e) {
      return Verdict.refused("the new config is not valid: " + e.getMessage());
    }
    if (!next.ledgerId().equals(current.ledgerId())) {
      return Verdict.refused("the new config is for ledger " + next.ledgerId());
    }
    if (next.sequence() != current.sequence() + 1) {
      return Verdict.refused(
          "the new config has sequence "
              + next.sequence()
              + "; the next one is "
              + (current.sequence() + 1));
    }
    if (current.status() == LedgerStatus.CLOSED) {
      return Verdict.refused("the ledger is closed");
    }
    if (!next.config().getOpening().equals(current.config().getOpening())) {
      return Verdict.refused("a ledger's opening is fixed at genesis");
    }
    if (update.hasStatement()) {
      return statementVerdict(update, current, next, at, verifier);
    }
    if (update.hasDecision()) {
      Optional<String> refusal;
      try {
        refusal = DecisionChecks.refusal(update, current, at, verifier);
      } catch (IllegalArgumentException e) {
        refusal = Optional.of("the governance decision is malformed: " + e.getMessage());
      }
      return refusal.map(Verdict::refused).orElseGet(() -> new Verdict(Optional.of(next), ""));
    }
    ByteString configBytes = update.getConfig().toByteString();
    Set<String> admins = new HashSet<>();
    Set<Peer> signingPeers = new HashSet<>();
    for (ConfigSignature signature : update.getSignaturesList()) {
      SignatureHeader header;
      try {
        header = SignatureHeader.parseFrom(signature.getSignatureHeader());
      } catch (InvalidProtocolBufferException e) {
        return Verdict.refused("a config signature header cannot be decoded");
      }
      ByteString signed = configBytes.concat(signature.getSignatureHeader());
      MemberSignatures.Outcome admin =
          MemberSignatures.signed(
              current,
              Role.ADMIN,
              header.getCreator(),
              signed,
              signature.getSignature(),
              at,
              verifier);
      if (admin.passed()) {
        admins.add(admin.signer().get().mspId());
        continue;
      }
      MemberSignatures.Outcome peer =
          MemberSignatures.signed(
              current,
              Role.PEER,
              header.getCreator(),
              signed,
              signature.getSignature(),
              at,
              verifier);
      if (peer.passed()) {
        IdentityCheck.Identity identity = peer.signer().get();
        Subjects.commonNameOf(identity.certificate())
            .ifPresent(
                nodeId ->
                    signingPeers.add(
                        Peer.newBuilder().setNodeId(nodeId).setMspId(identity.mspId()).build()));
      }
    }
    int required = current.config().getModificationPolicy().getAdminOrganizations();
    if (required == 0) {
      required = current.memberMspIds().size() / 2 + 1;
    }
    if (admins.size() >= required) {
      return new Verdict(Optional.of(next), "");
    }
    if (update.hasHolderRevocation()) {
      return HolderRevocations.refusal(current.config(), next.config(), update, admins)
          .map(Verdict::refused)
          .orElseGet(() -> new Verdict(Optional.of(next), ""));
    }
    Optional<List<Peer>> moved = movedPeers(current.config(), next.config());
    if (moved.isPresent()) {
      // A peer's own address, like a Fabric peer's endpoint in its signed gossip alive message:
      // the holder of the peer's key says where it is reached now, and changes nothing else.
      for (Peer peer : moved.get()) {
        if (!signingPeers.contains(
            Peer.newBuilder().setNodeId(peer.getNodeId()).setMspId(peer.getMspId()).build())) {
          return Verdict.refused(
              "peer "
                  + peer.getNodeId()
                  + " of "
                  + peer.getMspId()
                  + " moves to "
                  + peer.getHost()
                  + ":"
                  + peer.getPort()
                  + " without its own signature or enough admins' ("
                  + admins.size()
                  + " of "
                  + required
                  + ")");
        }
      }
      return new Verdict(Optional.of(next), "");
    }
    return Verdict.refused(
        "admins of "
            + admins.size()
            + " member organisations signed the new config; the policy needs "
            + required);
  }

  /**
   * The peers whose address {@code next} changes, when that is all it changes (besides the
   * sequence): the same peers in the same order, each with its node id and member, some at another
   * host or port. Empty if it changes anything else, or nothing.
   */
  public static Optional<List<Peer>> movedPeers(LedgerConfig current, LedgerConfig next) {
    if (current.getPeersCount() != next.getPeersCount()
        || !current.toBuilder()
            .setSequence(next.getSequence())
            .clearPeers()
            .addAllPeers(next.getPeersList())
            .build()
            .equals(next)) {
      return Optional.empty();
    }
    List<Peer> moved = new ArrayList<>();
    for (int i = 0; i < current.getPeersCount(); i++) {
      Peer before = current.getPeers(i);
      Peer after = next.getPeers(i);
      if (!before.getNodeId().equals(after.getNodeId())
          || !before.getMspId().equals(after.getMspId())) {
        return Optional.empty();
      }
      if (!before.equals(after)) {
        moved.add(after);
      }
    }
    return moved.isEmpty() ? Optional.empty() : Optional.of(moved);
  }
}
