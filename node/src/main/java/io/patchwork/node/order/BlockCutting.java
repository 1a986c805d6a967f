package io.patchwork.node.order;

import java.time.Duration;
import java.util.Objects;

/**
 * When orderers cut a block: at {@code maxTransactions} envelopes, before {@code maxBytes} of
 * envelopes would be exceeded, or {@code timeout} after the first pending envelope arrived.
 */
public record BlockCutting(int maxTransactions, long maxBytes, Duration timeout) {
  public BlockCutting {
    if (maxTransactions < 1) {
      throw new IllegalArgumentException("a block holds at least one transaction");
    }
    if (maxBytes < 1) {
      throw new IllegalArgumentException("a block's byte limit is positive");
    }
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the batch timeout is positive");
    }
  }
}
