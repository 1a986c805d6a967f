package io.patchwork.node.state;

import java.util.Objects;

/** A key of one namespace of the world state. */
public record StateKey(String namespace, String key) {
  public StateKey {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(key, "key");
  }
}
