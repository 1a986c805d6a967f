package io.patchwork.node.contract;

import java.util.List;
import java.util.Objects;

/** A composite key's parts. */
public record CompositeKey(String objectType, List<String> attributes) {
  public CompositeKey {
    Objects.requireNonNull(objectType, "objectType");
    attributes = List.copyOf(attributes);
  }
}
