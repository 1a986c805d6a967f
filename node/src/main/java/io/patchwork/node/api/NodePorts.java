package io.patchwork.node.api;

/**
 * The TCP ports a host's nodes may listen on, {@code first} to {@code last} inclusive: each orderer
 * takes two (gRPC and Raft), each peer one. A firewall between members opens this range. The
 * default lies below the kernels' ephemeral ranges (Linux starts at 32768, Windows and macOS at
 * 49152), so that an outgoing connection cannot take a port between the moment it is chosen and the
 * moment a node binds it; a configured range should too.
 */
public record NodePorts(int first, int last) {
  /** The range used when none is configured. */
  public static final NodePorts DEFAULT = new NodePorts(20_000, 31_999);

  /** The fewest ports a range may have: one orderer and one peer. */
  public static final int FEWEST = 3;

  /**
   * @throws IllegalArgumentException if the range is empty, outside 1024–65535 or smaller than
   *     {@value #FEWEST} ports
   */
  public NodePorts {
    if (first < 1024 || last > 65_535) {
      throw new IllegalArgumentException(
          "node ports " + first + "-" + last + " are outside 1024-65535");
    }
    if (last - first + 1 < FEWEST) {
      throw new IllegalArgumentException(
          "node ports "
              + first
              + "-"
              + last
              + " hold fewer than "
              + FEWEST
              + " ports (an orderer takes two, a peer one)");
    }
  }

  /**
   * Reads {@code FIRST-LAST}, e.g. {@code 7100-7199}.
   *
   * @throws IllegalArgumentException naming what is wrong with {@code text}
   */
  public static NodePorts parse(String text) {
    String[] parts = text.strip().split("-", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException(
          "node ports '" + text + "' are not a range FIRST-LAST such as 7100-7199");
    }
    try {
      return new NodePorts(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "node ports '" + text + "' are not a range FIRST-LAST such as 7100-7199", e);
    }
  }

  /** Whether {@code port} lies in the range. */
  public boolean contains(int port) {
    return port >= first && port <= last;
  }

  /** How many ports the range holds. */
  public int size() {
    return last - first + 1;
  }

  @Override
  public String toString() {
    return first + "-" + last;
  }
}
