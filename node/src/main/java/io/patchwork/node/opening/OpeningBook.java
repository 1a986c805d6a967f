package io.patchwork.node.opening;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.config.proto.Amount;
import io.patchwork.node.config.proto.AssetSettlement;
import io.patchwork.node.config.proto.Opening;
import io.patchwork.node.config.proto.OpeningObligation;
import io.patchwork.node.config.proto.SettlementStatement;
import io.patchwork.node.config.proto.SettlementTransfer;
import io.patchwork.node.config.proto.SignedSettlementStatement;
import io.patchwork.node.contract.builtin.LedgerToken;
import io.patchwork.node.contract.builtin.Obligations;
import io.patchwork.node.state.StateWrite;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A successor ledger's opening, the inverse of the settlement's closing book: what its
 * predecessor's settlement statement carries over, and the world-state records the genesis block
 * writes for it.
 *
 * <p>The predecessor's settlement transfers become obligations, ACCEPTED from block 0, so every
 * member's net position per asset carries over exactly (in at most n−1 records); its members'
 * {@code ledger-token} holdings become balances in accounts named by their MSP ids. The opening
 * names the predecessor's statement by hash, so anyone holding the predecessor's archive can check
 * the link; it is part of the genesis config and never changes.
 */
public final class OpeningBook {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern ASSET = Pattern.compile("[A-Z0-9]{1,12}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private OpeningBook() {}

  /**
   * The opening that carries a closed ledger's statement over.
   *
   * @throws IllegalArgumentException if the statement cannot be decoded
   */
  public static Opening carryOver(SignedSettlementStatement signed) {
    SettlementStatement statement;
    try {
      statement = SettlementStatement.parseFrom(signed.getStatement());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("the settlement statement cannot be decoded", e);
    }
    Opening.Builder opening =
        Opening.newBuilder()
            .setPredecessorLedgerId(statement.getLedgerId())
            .setPredecessorStatementSha256(sha256(signed.toByteString()))
            .setPredecessorFinalHeight(statement.getFinalHeight())
            .setPredecessorFinalBlockHash(statement.getFinalBlockHash());
    for (AssetSettlement asset : statement.getAssetsList()) {
      int index = 0;
      for (SettlementTransfer transfer : asset.getTransfersList()) {
        opening.addObligations(
            OpeningObligation.newBuilder()
                .setId("opening-" + asset.getAsset() + "-" + index++)
                .setDebtorMspId(transfer.getFromMspId())
                .setCreditorMspId(transfer.getToMspId())
                .setAsset(asset.getAsset())
                .setAmount(transfer.getAmount()));
      }
    }
    opening.addAllTokenBalances(statement.getTokenBalancesList());
    return opening.build();
  }

  /** SHA-256 of the bytes, as the opening names the predecessor's statement. */
  public static ByteString sha256(ByteString bytes) {
    try {
      return ByteString.copyFrom(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * Checks an opening against the genesis members: well-formed ids, assets and amounts, parties and
   * holders that are members, no obligation id twice.
   *
   * @throws InvalidOpeningException with what is wrong
   */
  public static void check(Opening opening, Set<String> members) throws InvalidOpeningException {
    Set<String> ids = new HashSet<>();
    for (OpeningObligation obligation : opening.getObligationsList()) {
      if (!ID.matcher(obligation.getId()).matches() || !ids.add(obligation.getId())) {
        throw invalid(
            "opening obligation id '" + obligation.getId() + "' is malformed or repeated");
      }
      if (!ASSET.matcher(obligation.getAsset()).matches()) {
        throw invalid("opening obligation " + obligation.getId() + " has a malformed asset");
      }
      if (!members.contains(obligation.getDebtorMspId())
          || !members.contains(obligation.getCreditorMspId())
          || obligation.getDebtorMspId().equals(obligation.getCreditorMspId())) {
        throw invalid(
            "opening obligation "
                + obligation.getId()
                + " ("
                + obligation.getDebtorMspId()
                + " owes "
                + obligation.getCreditorMspId()
                + ") must be between two different members");
      }
      if (amount(obligation.getAmount()).signum() <= 0) {
        throw invalid("opening obligation " + obligation.getId() + " needs a positive amount");
      }
    }
    Set<String> holders = new HashSet<>();
    for (Amount balance : opening.getTokenBalancesList()) {
      if (!members.contains(balance.getMspId()) || !holders.add(balance.getMspId())) {
        throw invalid("opening balance of '" + balance.getMspId() + "' is not one member's");
      }
      if (amount(balance.getAmount()).signum() < 0) {
        throw invalid("opening balance of " + balance.getMspId() + " is negative");
      }
    }
  }

  /**
   * The world-state writes of the opening, in the built-in contracts' own record layouts, for the
   * genesis block (its transaction id and time).
   */
  public static List<StateWrite> writes(Opening opening, String genesisTxId, Instant genesisTime) {
    List<StateWrite> writes = new ArrayList<>();
    String reference = "carried over from ledger " + opening.getPredecessorLedgerId();
    for (OpeningObligation obligation : opening.getObligationsList()) {
      ObjectNode record =
          JSON.createObjectNode()
              .put("id", obligation.getId())
              .put("debtor", obligation.getDebtorMspId())
              .put("creditor", obligation.getCreditorMspId())
              .put("currency", obligation.getAsset())
              .put("amount", obligation.getAmount())
              .put("reference", reference)
              .put("status", "ACCEPTED")
              .put("recordedBy", "")
              .put("recordedAt", genesisTime.toString())
              .put("recordTx", genesisTxId);
      writes.add(
          new StateWrite(
              Obligations.NAME,
              Obligations.KEY_PREFIX + obligation.getId() + "\u0000",
              json(record),
              false));
    }
    for (Amount balance : opening.getTokenBalancesList()) {
      writes.add(
          new StateWrite(
              LedgerToken.NAME,
              LedgerToken.KEY_PREFIX + balance.getMspId() + "\u0000",
              ByteString.copyFrom(
                  new BigInteger(balance.getAmount()).toString(), StandardCharsets.US_ASCII),
              false));
    }
    return writes;
  }

  private static ByteString json(ObjectNode node) {
    try {
      return ByteString.copyFrom(JSON.writeValueAsBytes(node));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static BigInteger amount(String text) throws InvalidOpeningException {
    try {
      return new BigInteger(text);
    } catch (NumberFormatException e) {
      throw invalid("'" + text + "' is not a whole number");
    }
  }

  private static InvalidOpeningException invalid(String message) {
    return new InvalidOpeningException(message);
  }
}
