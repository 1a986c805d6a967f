package io.patchwork.node.peer;

import java.util.List;
import org.hyperledger.fabric.protos.common.Block;

/** A block as this peer committed it: with its validation codes, and each transaction's outcome. */
public record CommittedBlock(Block block, List<CommittedTransaction> transactions) {
  public CommittedBlock {
    transactions = List.copyOf(transactions);
  }

  public long number() {
    return block.getHeader().getNumber();
  }
}
