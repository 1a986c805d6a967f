package io.patchwork.node.contract;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.state.StateEntry;
import io.patchwork.node.state.StateReader;
import io.patchwork.node.state.Version;
import io.patchwork.node.state.VersionedValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRWSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVWrite;

/** A world state in a sorted map, for driving contracts in tests; commits simulations' writes. */
final class MemoryState implements StateReader {
  private final TreeMap<String, VersionedValue> entries = new TreeMap<>(SimulationState.KEY_ORDER);
  private long height = -1;

  private static String key(String namespace, String key) {
    return namespace + "\u0000" + key;
  }

  @Override
  public Optional<VersionedValue> get(String namespace, String key) {
    return Optional.ofNullable(entries.get(key(namespace, key)));
  }

  @Override
  public List<StateEntry> range(String namespace, String startKey, String endKey, int limit) {
    String from = key(namespace, startKey);
    String to = endKey.isEmpty() ? namespace + "\u0001" : key(namespace, endKey);
    List<StateEntry> result = new ArrayList<>();
    for (var entry : entries.subMap(from, true, to, false).entrySet()) {
      if (result.size() == limit) {
        break;
      }
      result.add(
          new StateEntry(entry.getKey().substring(namespace.length() + 1), entry.getValue()));
    }
    return result;
  }

  @Override
  public long height() {
    return height;
  }

  void put(String namespace, String key, String value, long block, long tx) {
    entries.put(
        key(namespace, key),
        new VersionedValue(ByteString.copyFromUtf8(value), new Version(block, tx)));
    height = Math.max(height, block);
  }

  /** Commits a successful simulation's writes as transaction 0 of the next block. */
  void commit(Simulation simulation) throws InvalidProtocolBufferException {
    if (!simulation.succeeded()) {
      throw new IllegalArgumentException(
          "not committing a failed simulation: " + simulation.message());
    }
    height++;
    for (var ns : simulation.rwSet().getNsRwsetList()) {
      for (KVWrite write : KVRWSet.parseFrom(ns.getRwset()).getWritesList()) {
        if (write.getIsDelete()) {
          entries.remove(key(ns.getNamespace(), write.getKey()));
        } else {
          entries.put(
              key(ns.getNamespace(), write.getKey()),
              new VersionedValue(write.getValue(), new Version(height, 0)));
        }
      }
    }
  }
}
