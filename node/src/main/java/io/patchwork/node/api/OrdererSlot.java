package io.patchwork.node.api;

import java.util.Objects;

/**
 * Where an orderer of a new ledger will run on another host: the address other nodes reach it at
 * (its TLS certificate names it) and its two ports, Broadcast/Deliver and Raft, which that host
 * reserved for it.
 */
public record OrdererSlot(String host, int port, int raftPort) {
  public OrdererSlot {
    Objects.requireNonNull(host, "host");
    if (port < 1 || port > 65_535 || raftPort < 1 || raftPort > 65_535 || port == raftPort) {
      throw new IllegalArgumentException(
          "an orderer needs two different ports between 1 and 65535, not "
              + port
              + " and "
              + raftPort);
    }
  }
}
