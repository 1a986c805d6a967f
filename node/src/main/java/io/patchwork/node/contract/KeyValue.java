package io.patchwork.node.contract;

import com.google.protobuf.ByteString;
import java.util.Objects;

/** One key and its value, as a range read returns them. */
public record KeyValue(String key, ByteString value) {
  public KeyValue {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }
}
