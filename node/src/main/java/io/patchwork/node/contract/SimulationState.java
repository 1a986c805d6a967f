package io.patchwork.node.contract;

import com.google.protobuf.ByteString;
import io.patchwork.node.state.StateEntry;
import io.patchwork.node.state.StateReader;
import io.patchwork.node.state.VersionedValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRWSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRead;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVWrite;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.QueryReads;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.RangeQueryInfo;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.Version;

/**
 * One transaction's view of its namespace: committed reads are recorded with their versions, writes
 * are buffered, and reads see the transaction's own writes. Not thread-safe: one per simulation.
 */
final class SimulationState implements State {
  static final int MAX_KEY_BYTES = 1024;
  static final int MAX_VALUE_BYTES = 1024 * 1024;
  private static final int RANGE_PAGE = 1_000;
  private static final int MAX_RANGE_RESULTS = 100_000;
  private static final String MIN_UNICODE = "\u0000";
  private static final String MAX_UNICODE = new String(Character.toChars(Character.MAX_CODE_POINT));
  static final Comparator<String> KEY_ORDER =
      (a, b) ->
          Arrays.compareUnsigned(
              a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  private final StateReader committed;
  private final String namespace;
  private final boolean readOnly;
  private final Map<String, KVRead> reads = new TreeMap<>(KEY_ORDER);
  private final Map<String, Optional<ByteString>> writes = new TreeMap<>(KEY_ORDER);
  private final List<RangeQueryInfo> ranges = new ArrayList<>();

  SimulationState(StateReader committed, String namespace, boolean readOnly) {
    this.committed = committed;
    this.namespace = namespace;
    this.readOnly = readOnly;
  }

  /** A key, value or write a contract may not make; the call fails with this code. */
  static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String code;

    Refusal(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  @Override
  public Optional<ByteString> get(String key) {
    checkKey(key);
    Optional<ByteString> own = writes.get(key);
    if (own != null) {
      return own;
    }
    Optional<VersionedValue> value = committed.get(namespace, key);
    reads.computeIfAbsent(key, k -> read(k, value));
    return value.map(VersionedValue::value);
  }

  @Override
  public void put(String key, ByteString value) {
    checkWritable();
    checkKey(key);
    if (value.size() > MAX_VALUE_BYTES) {
      throw new Refusal(
          "INVALID_VALUE",
          "a value holds at most " + MAX_VALUE_BYTES + " bytes, not " + value.size());
    }
    writes.put(key, Optional.of(value));
  }

  @Override
  public void delete(String key) {
    checkWritable();
    checkKey(key);
    writes.put(key, Optional.empty());
  }

  @Override
  public List<KeyValue> range(String startKey, String endKey) {
    if (!startKey.isEmpty()) {
      checkKey(startKey);
    }
    if (!endKey.isEmpty()) {
      checkKey(endKey);
    }
    // Read the committed range to its end, so validation can re-read it and spot phantoms.
    List<StateEntry> seen = new ArrayList<>();
    String from = startKey;
    while (true) {
      List<StateEntry> page = committed.range(namespace, from, endKey, RANGE_PAGE);
      for (StateEntry entry : page) {
        if (!seen.isEmpty() && entry.key().equals(seen.get(seen.size() - 1).key())) {
          continue;
        }
        seen.add(entry);
      }
      if (seen.size() > MAX_RANGE_RESULTS) {
        throw new Refusal(
            "RANGE_TOO_LARGE", "a range read returns at most " + MAX_RANGE_RESULTS + " keys");
      }
      if (page.size() < RANGE_PAGE) {
        break;
      }
      from = page.get(page.size() - 1).key();
    }
    QueryReads.Builder raw = QueryReads.newBuilder();
    TreeMap<String, ByteString> merged = new TreeMap<>(KEY_ORDER);
    for (StateEntry entry : seen) {
      raw.addKvReads(read(entry.key(), Optional.of(entry.value())));
      merged.put(entry.key(), entry.value().value());
    }
    ranges.add(
        RangeQueryInfo.newBuilder()
            .setStartKey(startKey)
            .setEndKey(endKey)
            .setItrExhausted(true)
            .setRawReads(raw)
            .build());
    for (Map.Entry<String, Optional<ByteString>> write : writes.entrySet()) {
      String key = write.getKey();
      boolean inRange =
          KEY_ORDER.compare(key, startKey) >= 0
              && (endKey.isEmpty() || KEY_ORDER.compare(key, endKey) < 0);
      if (inRange) {
        if (write.getValue().isPresent()) {
          merged.put(key, write.getValue().get());
        } else {
          merged.remove(key);
        }
      }
    }
    List<KeyValue> result = new ArrayList<>(merged.size());
    merged.forEach((key, value) -> result.add(new KeyValue(key, value)));
    return result;
  }

  @Override
  public String compositeKey(String objectType, String... attributes) {
    checkCompositePart(objectType);
    StringBuilder key = new StringBuilder(MIN_UNICODE).append(objectType).append(MIN_UNICODE);
    for (String attribute : attributes) {
      checkCompositePart(attribute);
      key.append(attribute).append(MIN_UNICODE);
    }
    return key.toString();
  }

  @Override
  public CompositeKey splitCompositeKey(String key) {
    if (!key.startsWith(MIN_UNICODE) || !key.endsWith(MIN_UNICODE) || key.length() < 2) {
      throw new Refusal("INVALID_KEY", "not a composite key");
    }
    String[] parts = key.substring(1, key.length() - 1).split(MIN_UNICODE, -1);
    return new CompositeKey(parts[0], Arrays.asList(parts).subList(1, parts.length));
  }

  @Override
  public List<KeyValue> byPartialCompositeKey(String objectType, String... attributes) {
    String prefix = compositeKey(objectType, attributes);
    return range(prefix, prefix + MAX_UNICODE);
  }

  /** The recorded reads and writes, sorted by key as Fabric sorts them. */
  KVRWSet readWriteSet() {
    KVRWSet.Builder set = KVRWSet.newBuilder().addAllReads(reads.values());
    set.addAllRangeQueriesInfo(ranges);
    writes.forEach(
        (key, value) ->
            set.addWrites(
                KVWrite.newBuilder()
                    .setKey(key)
                    .setIsDelete(value.isEmpty())
                    .setValue(value.orElse(ByteString.EMPTY))));
    return set.build();
  }

  private static KVRead read(String key, Optional<VersionedValue> value) {
    KVRead.Builder read = KVRead.newBuilder().setKey(key);
    value.ifPresent(
        v ->
            read.setVersion(
                Version.newBuilder()
                    .setBlockNum(v.version().blockNumber())
                    .setTxNum(v.version().txNumber())));
    return read.build();
  }

  private void checkWritable() {
    if (readOnly) {
      throw new Refusal("READ_ONLY", "an evaluate function cannot write to the ledger");
    }
  }

  private static void checkKey(String key) {
    if (key == null || key.isEmpty()) {
      throw new Refusal("INVALID_KEY", "a key is a non-empty string");
    }
    if (!wellFormed(key)) {
      throw new Refusal("INVALID_KEY", "a key must be valid Unicode (no unpaired surrogates)");
    }
    if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
      throw new Refusal("INVALID_KEY", "a key holds at most " + MAX_KEY_BYTES + " UTF-8 bytes");
    }
  }

  private static void checkCompositePart(String part) {
    if (part == null || part.contains(MIN_UNICODE) || part.contains(MAX_UNICODE)) {
      throw new Refusal("INVALID_KEY", "composite key parts must not contain U+0000 or U+10FFFF");
    }
  }

  private static boolean wellFormed(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
