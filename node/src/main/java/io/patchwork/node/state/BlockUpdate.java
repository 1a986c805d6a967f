package io.patchwork.node.state;

import java.util.List;
import java.util.Objects;

/**
 * One block's effect on the world state: the writes of its valid transactions, in transaction
 * order, and the index records of its transactions (valid or not).
 */
public record BlockUpdate(long blockNumber, List<TxWrites> writes, List<TxRecord> transactions) {
  public BlockUpdate {
    if (blockNumber < 0) {
      throw new IllegalArgumentException("block numbers are not negative");
    }
    writes = List.copyOf(Objects.requireNonNull(writes, "writes"));
    transactions = List.copyOf(Objects.requireNonNull(transactions, "transactions"));
  }
}
