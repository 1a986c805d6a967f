package io.patchwork.node.order;

import io.grpc.BindableService;
import io.patchwork.node.store.BlockStore;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * One orderer of a ledger: a member of the ledger's Raft group (Apache Ratis) that orders broadcast
 * envelopes and cuts them into signed Fabric blocks, and serves Fabric's {@code AtomicBroadcast}
 * (Broadcast, Deliver).
 *
 * <p>Every orderer cuts blocks from the Raft log in the same deterministic way, so all hold the
 * same block headers and data; each signs its own copy. A Broadcast is answered SUCCESS only once
 * its envelope is committed in the Raft log, so it survives the loss of a minority of orderers, the
 * leader included. Thread-safe.
 */
public interface OrdererNode extends AutoCloseable {
  /** Starts the orderer on its data (recovering what it had); returns once its Raft server runs. */
  static OrdererNode start(OrdererConfig config) throws IOException {
    return RaftOrderer.start(config);
  }

  /** Fabric's AtomicBroadcast service, for the caller to bind on its gRPC server. */
  BindableService atomicBroadcast();

  /** This orderer's blocks. */
  BlockStore blocks();

  boolean isLeader();

  /** The Raft leader this orderer knows of, if any. */
  Optional<String> leaderId();

  /** The current Raft term. */
  long term();

  String nodeId();

  /** The node ids of the Raft group as this orderer knows it now, sorted. */
  List<String> group();

  /**
   * Runs {@code action} once, on the orderer's timer thread, when the members voted it out and the
   * Raft group no longer holds it (or a minute after the vote, if it never learns the new group).
   * From the vote on it refuses Broadcast and Deliver; what runs it should then stop it and may
   * discard its keys.
   */
  void onRemoved(Runnable action);

  /** Stops Raft and ends every stream. Idempotent. */
  @Override
  void close();
}
