package io.patchwork.node.state;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * A put or delete of one key in a namespace. Namespaces are non-empty and never contain U+0000;
 * keys may (Fabric's composite keys use it as a separator).
 */
public record StateWrite(String namespace, String key, ByteString value, boolean delete) {
  public StateWrite {
    Namespaces.check(namespace);
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (delete && !value.isEmpty()) {
      throw new IllegalArgumentException("a delete carries no value");
    }
  }

  public static StateWrite put(String namespace, String key, ByteString value) {
    return new StateWrite(namespace, key, value, false);
  }

  public static StateWrite delete(String namespace, String key) {
    return new StateWrite(namespace, key, ByteString.EMPTY, true);
  }
}
