package io.patchwork.node.contract;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Optional;

/**
 * A contract's world-state namespace as one transaction sees it: committed state overlaid with the
 * transaction's own writes. Reads are recorded with the versions they saw, so peers can refuse the
 * transaction at commit if another one changed them first (MVCC).
 *
 * <p>Keys are non-empty strings of at most 1,024 UTF-8 bytes, ordered by their UTF-8 bytes. A key
 * outside those rules fails the call with {@code INVALID_KEY}.
 */
public interface State {
  Optional<ByteString> get(String key);

  void put(String key, ByteString value);

  void delete(String key);

  /** Keys in {@code [startKey, endKey)} in key order; an empty {@code endKey} means no bound. */
  List<KeyValue> range(String startKey, String endKey);

  /**
   * Fabric's composite key: U+0000, the object type, U+0000, then each attribute followed by
   * U+0000. Type and attributes must not contain U+0000 or U+10FFFF.
   */
  String compositeKey(String objectType, String... attributes);

  /** The object type and attributes of a composite key. */
  CompositeKey splitCompositeKey(String key);

  /** Every composite key of the type whose attributes start with the given ones, in key order. */
  List<KeyValue> byPartialCompositeKey(String objectType, String... attributes);
}
