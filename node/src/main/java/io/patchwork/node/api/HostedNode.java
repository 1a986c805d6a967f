package io.patchwork.node.api;

import java.util.Optional;

/**
 * One running node of a hosted ledger, read live: every call reads the node's in-memory state at
 * that moment, never waiting on disk. Thread-safe.
 */
public interface HostedNode {
  String nodeId();

  NodeRole role();

  /** The member organisation the node belongs to. */
  String mspId();

  /** The address applications and other nodes reach it at. */
  String host();

  int port();

  /** How many blocks it holds. */
  long height();

  /**
   * Whether it leads the ledger's Raft group now and can order (always false for a peer): an
   * elected leader counts once it has committed the first entry of its term.
   */
  boolean isLeader();

  /** The Raft term an orderer is in; empty for a peer. */
  Optional<Long> term();
}
