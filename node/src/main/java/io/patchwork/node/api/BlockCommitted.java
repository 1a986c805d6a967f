package io.patchwork.node.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.patchwork.node.tx.EnvelopeHeaders;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.peer.TxValidationCode;

/** A block a peer committed, and what became of each of its transactions. */
public record BlockCommitted(String peerId, Block block, List<Outcome> transactions) {
  public BlockCommitted {
    Objects.requireNonNull(peerId, "peerId");
    Objects.requireNonNull(block, "block");
    transactions = List.copyOf(transactions);
  }

  /** A transaction of the block: its id, its place in the block and its validation code. */
  public record Outcome(String txId, int txNumber, TxValidationCode code) {}

  public long number() {
    return block.getHeader().getNumber();
  }

  /**
   * The time the transaction's client stamped on it (decoded on each call), or empty if its header
   * cannot be read — it is then invalid.
   */
  public Optional<Instant> clientTime(Outcome transaction) {
    try {
      Timestamp sent =
          EnvelopeHeaders.read(block.getData().getData(transaction.txNumber()))
              .channel()
              .getTimestamp();
      return Optional.of(Instant.ofEpochSecond(sent.getSeconds(), sent.getNanos()));
    } catch (InvalidProtocolBufferException | IndexOutOfBoundsException e) {
      return Optional.empty();
    }
  }
}
