package io.patchwork.node.contract;

import com.google.protobuf.ByteString;
import java.util.Objects;
import java.util.Optional;
import org.hyperledger.fabric.protos.ledger.rwset.TxReadWriteSet;
import org.hyperledger.fabric.protos.peer.ChaincodeEvent;

/**
 * The outcome of running a transaction function: Fabric's response status (200 success, 400 the
 * contract refused, 500 it failed), message and payload; on success the read/write set and event.
 */
public record Simulation(
    int status,
    String message,
    ByteString payload,
    TxReadWriteSet rwSet,
    Optional<ChaincodeEvent> event,
    boolean readOnlyFunction) {
  public Simulation {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(rwSet, "rwSet");
    Objects.requireNonNull(event, "event");
  }

  /** A simulation that did not succeed: no payload, read/write set or event. */
  public static Simulation failed(int status, String message, boolean readOnlyFunction) {
    return new Simulation(
        status,
        message,
        ByteString.EMPTY,
        TxReadWriteSet.getDefaultInstance(),
        Optional.empty(),
        readOnlyFunction);
  }

  public boolean succeeded() {
    return status == 200;
  }
}
