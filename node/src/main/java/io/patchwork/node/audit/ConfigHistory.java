package io.patchwork.node.audit;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.governance.Choice;
import io.patchwork.node.block.BlockSignatures;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.ConfigSignature;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.governance.GovernanceEncoding;
import io.patchwork.node.store.BlockStore;
import io.patchwork.node.tx.EnvelopeHeaders;
import io.patchwork.node.update.ConfigChain;
import io.patchwork.node.update.ConfigUpdateCheck;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockMetadataIndex;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;
import org.hyperledger.fabric.protos.peer.TxValidationCode;

/**
 * Re-verifies a ledger's config history from its blocks alone, trusting nothing but the genesis
 * block: every block must follow the chain and carry the signature of an orderer of the config in
 * force; every config transaction is judged again with the check orderers and peers make, and the
 * verdict must match the validation code the ledger recorded. Each change is reported with who
 * authorised it — the admins who signed it, or the proposal and ballots of the member decision.
 */
public final class ConfigHistory {
  private ConfigHistory() {}

  /** One ballot of a decision, as cast. */
  public record BallotReport(String voterMspId, Choice choice, Instant castAt) {}

  /** The member decision behind a config change. */
  public record DecisionReport(
      String proposalId,
      String proposerMspId,
      String action,
      Instant proposedAt,
      List<BallotReport> ballots) {
    public DecisionReport {
      ballots = List.copyOf(ballots);
    }
  }

  /**
   * A config change the ledger applied: the block that carried it, the new sequence, and either the
   * admins' organisations that signed it or the decision that made it.
   */
  public record Change(
      long blockNumber,
      long sequence,
      Optional<Instant> blockTime,
      List<String> signedBy,
      Optional<DecisionReport> decision) {
    public Change {
      signedBy = List.copyOf(signedBy);
      Objects.requireNonNull(decision, "decision");
    }
  }

  /** The outcome: the changes, in order, or the first block where the history does not hold. */
  public record Report(List<Change> changes, long blocksChecked, Optional<String> problem) {
    public Report {
      changes = List.copyOf(changes);
    }

    public boolean verified() {
      return problem.isEmpty();
    }
  }

  /** Replays the blocks of {@code store} from genesis. */
  public static Report replay(BlockStore store, Block genesis, SignatureVerifier verifier)
      throws IOException {
    ConfigChain chain;
    try {
      chain = ConfigChain.fromGenesis(genesis, verifier);
    } catch (ConfigException e) {
      return new Report(List.of(), 0, Optional.of("the genesis block holds no valid config"));
    }
    if (store.first() != 0) {
      return new Report(
          List.of(),
          0,
          Optional.of(
              "the store starts at block "
                  + store.first()
                  + " (a peer joined from a snapshot): the history before it is not here"));
    }
    Optional<Block> first = store.get(0);
    if (first.isEmpty() || !first.get().getHeader().equals(genesis.getHeader())) {
      return new Report(List.of(), 0, Optional.of("block 0 is not this ledger's genesis block"));
    }
    List<Change> changes = new ArrayList<>();
    for (long number = 1; number < store.height(); number++) {
      Block block = store.get(number).orElseThrow();
      Optional<String> refused = chain.refusal(block);
      if (refused.isPresent()) {
        return new Report(changes, number, refused);
      }
      Optional<ConfigUpdateCheck.Verdict> verdict = chain.configVerdict(block);
      LedgerRules before = chain.rules();
      if (verdict.isPresent()) {
        boolean recordedValid = validationCode(block) == TxValidationCode.VALID_VALUE;
        // A proposal or ballot record applies without changing the config; peers also judged it
        // against what was recorded before, which this replay does not keep.
        boolean record = verdict.get().applies() && !verdict.get().changesConfig(before);
        if (!record && verdict.get().applies() != recordedValid) {
          return new Report(
              changes,
              number,
              Optional.of(
                  "block "
                      + number
                      + ": the ledger recorded its config transaction as "
                      + (recordedValid ? "valid" : "invalid")
                      + ", but it "
                      + (verdict.get().applies()
                          ? "applies"
                          : "does not apply: " + verdict.get().refusal())));
        }
      }
      chain.advance(block, verdict);
      if (verdict.isPresent() && verdict.get().changesConfig(before)) {
        changes.add(
            change(
                number,
                BlockSignatures.blockTime(block),
                chain.rules().sequence(),
                block.getData().getData(0)));
      }
    }
    return new Report(changes, store.height(), Optional.empty());
  }

  private static int validationCode(Block block) {
    ByteString filter =
        block.getMetadata().getMetadataCount() > BlockMetadataIndex.TRANSACTIONS_FILTER_VALUE
            ? block.getMetadata().getMetadata(BlockMetadataIndex.TRANSACTIONS_FILTER_VALUE)
            : ByteString.EMPTY;
    return filter.isEmpty() ? -1 : filter.byteAt(0) & 0xff;
  }

  private static Change change(
      long number, Optional<Instant> time, long sequence, ByteString envelopeBytes) {
    try {
      ConfigUpdate update =
          ConfigUpdate.parseFrom(EnvelopeHeaders.read(envelopeBytes).configUpdate());
      if (!update.hasDecision()) {
        List<String> admins = new ArrayList<>();
        for (ConfigSignature signature : update.getSignaturesList()) {
          admins.add(
              SerializedIdentity.parseFrom(
                      SignatureHeader.parseFrom(signature.getSignatureHeader()).getCreator())
                  .getMspid());
        }
        return new Change(number, sequence, time, admins, Optional.empty());
      }
      GovernanceProposal proposal =
          GovernanceProposal.parseFrom(update.getDecision().getProposal().getProposal());
      List<BallotReport> ballots = new ArrayList<>();
      for (GovernanceBallot ballot : update.getDecision().getBallotsList()) {
        ballots.add(
            new BallotReport(
                ballot.getVoterMspId(),
                Choice.of(ballot.getChoice()).orElse(Choice.NO),
                Instant.ofEpochMilli(ballot.getCastAtMillis())));
      }
      return new Change(
          number,
          sequence,
          time,
          List.of(),
          Optional.of(
              new DecisionReport(
                  GovernanceEncoding.proposalId(update.getDecision().getProposal().getProposal()),
                  proposal.getProposerMspId(),
                  GovernanceEncoding.action(proposal).toString(),
                  Instant.ofEpochMilli(proposal.getCreatedAtMillis()),
                  ballots)));
    } catch (InvalidProtocolBufferException e) {
      // The check above decoded the same bytes; this cannot happen for an applied change.
      throw new IllegalStateException("an applied config transaction no longer decodes", e);
    }
  }
}
