package io.patchwork.node.peer;

import java.util.Optional;
import org.hyperledger.fabric.protos.peer.ChaincodeEvent;
import org.hyperledger.fabric.protos.peer.TxValidationCode;

/** One transaction of a committed block: its id, position, validation code and event. */
public record CommittedTransaction(
    String txId, int txNumber, TxValidationCode code, Optional<ChaincodeEvent> event) {}
