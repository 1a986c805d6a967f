package io.patchwork.node.state;

import java.util.Objects;

final class Namespaces {
  private Namespaces() {}

  static void check(String namespace) {
    Objects.requireNonNull(namespace, "namespace");
    if (namespace.isEmpty() || namespace.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a namespace is non-empty and free of U+0000");
    }
  }
}
