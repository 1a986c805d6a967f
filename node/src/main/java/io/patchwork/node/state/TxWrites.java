package io.patchwork.node.state;

import java.util.List;
import java.util.Objects;

/** The writes of one valid transaction, identified by its position in the block. */
public record TxWrites(int txNumber, List<StateWrite> writes) {
  public TxWrites {
    if (txNumber < 0) {
      throw new IllegalArgumentException("transaction numbers are not negative");
    }
    writes = List.copyOf(Objects.requireNonNull(writes, "writes"));
  }
}
