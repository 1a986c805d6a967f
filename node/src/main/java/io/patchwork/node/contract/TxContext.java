package io.patchwork.node.contract;

import java.time.Instant;
import java.util.Objects;

/** The transaction a simulation runs for: ledger, id, timestamp and caller. */
public record TxContext(String ledgerId, String txId, Instant timestamp, Caller caller) {
  public TxContext {
    Objects.requireNonNull(ledgerId, "ledgerId");
    Objects.requireNonNull(txId, "txId");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(caller, "caller");
  }
}
