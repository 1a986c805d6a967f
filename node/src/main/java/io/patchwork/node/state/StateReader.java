package io.patchwork.node.state;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Optional;

/**
 * Read access to committed world state. A namespace is a contract's name; keys are strings and
 * order by their UTF-8 bytes.
 *
 * <p>Threading: safe for concurrent readers. A reader sees committed blocks only; whether two reads
 * see the same height is up to the caller (simulation reads through a {@link #height()}-pinned view
 * when it needs that).
 */
public interface StateReader {

  /** The value of {@code key} in {@code namespace}, if present. */
  Optional<VersionedValue> get(String namespace, String key);

  /**
   * Up to {@code limit} entries of {@code namespace} with {@code startKey <= key < endKey}, in key
   * order. An empty {@code endKey} means no upper bound.
   */
  List<StateEntry> range(String namespace, String startKey, String endKey, int limit);

  /** Number of the last block whose writes are in the state, or -1 before the first. */
  long height();

  /** Convenience for callers that only need the bytes. */
  default Optional<ByteString> value(String namespace, String key) {
    return get(namespace, key).map(VersionedValue::value);
  }
}
