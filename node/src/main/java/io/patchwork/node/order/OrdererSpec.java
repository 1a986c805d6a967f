package io.patchwork.node.order;

import java.util.Objects;

/** One orderer of a Raft group: its node id and the address its Raft server listens on. */
public record OrdererSpec(String nodeId, String host, int raftPort) {
  public OrdererSpec {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(host, "host");
    if (raftPort <= 0 || raftPort > 65_535) {
      throw new IllegalArgumentException("raft port " + raftPort + " is not a TCP port");
    }
  }

  String address() {
    return host + ":" + raftPort;
  }
}
