package io.patchwork.node.contract;

import com.google.protobuf.ByteString;
import java.time.Instant;

/** What a transaction function sees of its transaction. Valid only during the call. */
public interface Context {
  String ledgerId();

  String txId();

  /** The transaction's timestamp, as its creator set it (peers checked it is near their clock). */
  Instant timestamp();

  /** Who submitted the transaction. */
  Caller caller();

  /** The contract's world-state namespace, as this transaction sees it. */
  State state();

  /** Sets the transaction's chaincode event; the last call wins. */
  void setEvent(String name, ByteString payload);
}
