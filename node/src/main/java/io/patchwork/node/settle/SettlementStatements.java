package io.patchwork.node.settle;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.ca.Role;
import io.patchwork.governance.VotingPolicy;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.MemberSignatures;
import io.patchwork.node.config.proto.Amount;
import io.patchwork.node.config.proto.AssetSettlement;
import io.patchwork.node.config.proto.SettlementStatement;
import io.patchwork.node.config.proto.SettlementTransfer;
import io.patchwork.node.config.proto.SignedSettlementStatement;
import io.patchwork.node.config.proto.StatementSignature;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.governance.GovernanceEncoding;
import java.math.BigInteger;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The settlement statement a closing ledger ends with: computed the same way by whoever makes it
 * and by every peer that checks it — from the closing book of the committed state at the end of the
 * ledger's history — and signed by peers of as many members as the voting threshold needs.
 *
 * <p>The statement is deterministic: assets and members in code-point order, amounts as decimal
 * integers, no clock reading. So a peer checks a statement by computing its own and comparing the
 * two encodings.
 */
public final class SettlementStatements {
  private SettlementStatements() {}

  /**
   * The statement for a ledger whose history ends with {@code finalHeight} blocks, the last one's
   * header hashing to {@code finalBlockHash}, with world state {@code book} hashing to {@code
   * stateHash}.
   */
  public static SettlementStatement compute(
      String ledgerId,
      long finalHeight,
      ByteString finalBlockHash,
      ByteString stateHash,
      ClosingBook book) {
    SettlementStatement.Builder statement =
        SettlementStatement.newBuilder()
            .setLedgerId(ledgerId)
            .setFinalHeight(finalHeight)
            .setFinalBlockHash(finalBlockHash)
            .setStateHash(stateHash);
    for (Map.Entry<String, List<Netting.Obligation>> asset : book.obligations().entrySet()) {
      Netting.Settlement settlement = Netting.settle(asset.getValue());
      AssetSettlement.Builder entry =
          AssetSettlement.newBuilder()
              .setAsset(asset.getKey())
              .setGross(settlement.grossVolume().toString())
              .setMoved(settlement.netMoved().toString())
              .setExact(settlement.exact());
      new TreeMap<>(settlement.positions())
          .forEach(
              (mspId, amount) -> {
                if (amount.signum() != 0) {
                  entry.addPositions(amount(mspId, amount));
                }
              });
      for (Netting.Transfer transfer : settlement.transfers()) {
        entry.addTransfers(
            SettlementTransfer.newBuilder()
                .setFromMspId(transfer.from())
                .setToMspId(transfer.to())
                .setAmount(transfer.amount().toString()));
      }
      statement.addAssets(entry);
    }
    book.tokenBalances()
        .forEach(
            (mspId, amount) -> {
              if (amount.signum() != 0) {
                statement.addTokenBalances(amount(mspId, amount));
              }
            });
    return statement.build();
  }

  private static Amount amount(String mspId, BigInteger amount) {
    return Amount.newBuilder().setMspId(mspId).setAmount(amount.toString()).build();
  }

  /** The statement signed by each of {@code peers}. */
  public static SignedSettlementStatement sign(
      SettlementStatement statement, List<NodeSigner> peers) {
    ByteString bytes = statement.toByteString();
    SignedSettlementStatement.Builder signed =
        SignedSettlementStatement.newBuilder().setStatement(bytes);
    for (NodeSigner peer : peers) {
      signed.addSignatures(
          StatementSignature.newBuilder()
              .setSigner(peer.serializedIdentity())
              .setSignature(ByteString.copyFrom(peer.sign(bytes.toByteArray()))));
    }
    return signed.build();
  }

  /**
   * How many members' peers must sign: the fewest that meet the ledger's voting threshold among its
   * members.
   */
  public static int requiredMembers(LedgerRules current) {
    VotingPolicy policy = GovernanceEncoding.rules(current.config()).voting();
    int members = current.memberMspIds().size();
    for (int signers = 1; signers <= members; signers++) {
      if (policy.thresholdMet(signers, members)) {
        return signers;
      }
    }
    return members;
  }

  /**
   * The checks that need no state (orderers and peers alike): the statement decodes and names this
   * ledger, and valid signatures of peers (role peer, certificate valid at {@code at}) of distinct
   * members meet the voting threshold. Empty if it passes, else why not.
   */
  public static Optional<String> signatureRefusal(
      SignedSettlementStatement signed,
      LedgerRules current,
      Instant at,
      SignatureVerifier verifier) {
    SettlementStatement statement;
    try {
      statement = SettlementStatement.parseFrom(signed.getStatement());
    } catch (InvalidProtocolBufferException e) {
      return Optional.of("the settlement statement cannot be decoded");
    }
    if (!statement.getLedgerId().equals(current.ledgerId())) {
      return Optional.of("the settlement statement is for ledger " + statement.getLedgerId());
    }
    Set<String> members = new HashSet<>();
    for (StatementSignature signature : signed.getSignaturesList()) {
      MemberSignatures.Outcome signer =
          MemberSignatures.signed(
              current,
              Role.PEER,
              signature.getSigner(),
              signed.getStatement(),
              signature.getSignature(),
              at,
              verifier);
      if (signer.passed()) {
        members.add(signer.signer().get().mspId());
      }
    }
    int required = requiredMembers(current);
    if (members.size() < required) {
      return Optional.of(
          "peers of "
              + members.size()
              + " members signed the settlement statement; the voting threshold needs "
              + required);
    }
    return Optional.empty();
  }

  /**
   * Whether a signed statement says exactly what this peer computes; empty if it does, else the
   * first field that differs.
   */
  public static Optional<String> contentRefusal(
      SignedSettlementStatement signed, SettlementStatement expected) {
    SettlementStatement carried;
    try {
      carried = SettlementStatement.parseFrom(signed.getStatement());
    } catch (InvalidProtocolBufferException e) {
      return Optional.of("the settlement statement cannot be decoded");
    }
    if (carried.equals(expected)) {
      return Optional.empty();
    }
    if (carried.getFinalHeight() != expected.getFinalHeight()) {
      return Optional.of(
          "the statement ends the history at height "
              + carried.getFinalHeight()
              + ", not "
              + expected.getFinalHeight());
    }
    if (!carried.getFinalBlockHash().equals(expected.getFinalBlockHash())) {
      return Optional.of("the statement names another last block");
    }
    if (!carried.getStateHash().equals(expected.getStateHash())) {
      return Optional.of("the statement names another state hash");
    }
    if (!carried.getAssetsList().equals(expected.getAssetsList())) {
      return Optional.of("the statement's positions or transfers are not what the state gives");
    }
    return Optional.of("the statement's token balances are not what the state gives");
  }
}
