package io.patchwork.node.state;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One block's effect on the world state: the writes of its valid transactions, in transaction
 * order, and the index records of its transactions (valid or not).
 *
 * <p>{@code committedReads} may carry values the peer read from this same state, at the height just
 * below this block, while validating it (every key and whether it was absent): the commit then
 * takes a written key's previous value from there instead of reading it again. Only values read at
 * that height may be given; a replay gives none.
 */
public record BlockUpdate(
    long blockNumber,
    List<TxWrites> writes,
    List<TxRecord> transactions,
    Map<StateKey, Optional<VersionedValue>> committedReads) {
  public BlockUpdate {
    if (blockNumber < 0) {
      throw new IllegalArgumentException("block numbers are not negative");
    }
    writes = List.copyOf(Objects.requireNonNull(writes, "writes"));
    transactions = List.copyOf(Objects.requireNonNull(transactions, "transactions"));
    committedReads = Map.copyOf(Objects.requireNonNull(committedReads, "committedReads"));
  }

  /** An update whose commit reads every previous value itself. */
  public BlockUpdate(long blockNumber, List<TxWrites> writes, List<TxRecord> transactions) {
    this(blockNumber, writes, transactions, Map.of());
  }
}
