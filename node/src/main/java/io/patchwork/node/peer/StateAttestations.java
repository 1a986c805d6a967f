package io.patchwork.node.peer;

/**
 * The system query by which a peer vouches for its state: function {@value #FUNCTION} of system
 * contract {@value #CONTRACT}, sent through Fabric's Endorser service with a block number, answered
 * with a {@code StateAttestation} signed as an endorsement ({@link SnapshotCheck} asks it).
 */
final class StateAttestations {
  static final String CONTRACT = "_state";
  static final String FUNCTION = "StateHashAt";

  private StateAttestations() {}
}
