package io.patchwork.node.api;

/** What a ledger node does. */
public enum NodeRole {
  /** Orders transactions into blocks (a member of the ledger's Raft group). */
  ORDERER,
  /** Endorses, validates and commits transactions; serves applications' gateways. */
  PEER
}
