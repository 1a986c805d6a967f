package io.patchwork.node.state;

import java.util.Objects;

/** One key of a namespace with its current value, as returned by a range read. */
public record StateEntry(String key, VersionedValue value) {
  public StateEntry {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }
}
