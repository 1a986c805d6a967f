package io.patchwork.node.api;

import java.util.Objects;
import org.hyperledger.fabric.protos.peer.TxValidationCode;

/** A transaction as a peer committed it: its block and Fabric validation code. */
public record Commit(String txId, long blockNumber, TxValidationCode code) {
  public Commit {
    Objects.requireNonNull(txId, "txId");
    Objects.requireNonNull(code, "code");
  }

  public boolean valid() {
    return code == TxValidationCode.VALID;
  }
}
