package io.patchwork.node.peer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** State keys order by their UTF-8 bytes, as the world state stores them. */
final class Keys {
  private Keys() {}

  static int compare(String a, String b) {
    return Arrays.compareUnsigned(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
