package io.patchwork.node.peer;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.hyperledger.fabric.protos.ledger.rwset.NsReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.TxReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRWSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRead;
import org.hyperledger.fabric.protos.peer.ChaincodeAction;
import org.hyperledger.fabric.protos.peer.ProposalResponsePayload;

/**
 * Why two endorsements of one proposal differ, in words for the gateway's error: which key the
 * simulations read at different versions (the endorsers' states were at different heights), or,
 * with the same reads, that the results differ anyway.
 */
final class ReadSets {
  private ReadSets() {}

  /** The first difference between this gateway's result and another endorser's. */
  static String difference(ByteString here, ByteString there) {
    Optional<Map<String, String>> ours = reads(here);
    Optional<Map<String, String>> theirs = reads(there);
    if (ours.isEmpty() || theirs.isEmpty()) {
      return "the other endorser's result cannot be read";
    }
    for (Map.Entry<String, String> read : ours.get().entrySet()) {
      String other = theirs.get().getOrDefault(read.getKey(), "not read");
      if (!other.equals(read.getValue())) {
        return "it read "
            + read.getKey()
            + " at "
            + other
            + ", this gateway at "
            + read.getValue()
            + ": the peers' states were at different heights";
      }
    }
    for (String key : theirs.get().keySet()) {
      if (!ours.get().containsKey(key)) {
        return "it read " + key + ", which this gateway's simulation did not";
      }
    }
    return "both read the same versions, but the results differ (is the contract deterministic?)";
  }

  /** A key as it can be shown: control characters (composite keys' separators) escaped. */
  private static String printable(String key) {
    StringBuilder shown = new StringBuilder(key.length());
    key.chars()
        .forEach(
            c -> {
              if (c < 0x20 || c == 0x7f) {
                shown.append(String.format("\\u%04x", c));
              } else {
                shown.append((char) c);
              }
            });
    return shown.toString();
  }

  /** Each key read, as namespace/key, with the version read ("absent" if it was not there). */
  private static Optional<Map<String, String>> reads(ByteString payload) {
    try {
      ChaincodeAction action =
          ChaincodeAction.parseFrom(ProposalResponsePayload.parseFrom(payload).getExtension());
      Map<String, String> reads = new LinkedHashMap<>();
      for (NsReadWriteSet namespace :
          TxReadWriteSet.parseFrom(action.getResults()).getNsRwsetList()) {
        for (KVRead read : KVRWSet.parseFrom(namespace.getRwset()).getReadsList()) {
          reads.put(
              namespace.getNamespace() + "/" + printable(read.getKey()),
              read.hasVersion()
                  ? "version "
                      + read.getVersion().getBlockNum()
                      + "."
                      + read.getVersion().getTxNum()
                  : "absent");
        }
      }
      return Optional.of(reads);
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }
}
