package io.patchwork.node.state;

import java.util.Objects;

/**
 * Where a transaction id was committed and with which Fabric validation code. A transaction too
 * broken to carry an id has an empty one and is not indexed.
 */
public record TxRecord(String txId, long blockNumber, int txNumber, int validationCode) {
  public TxRecord {
    Objects.requireNonNull(txId, "txId");
    if (blockNumber < 0 || txNumber < 0 || validationCode < 0) {
      throw new IllegalArgumentException("block, transaction number and code are not negative");
    }
  }
}
