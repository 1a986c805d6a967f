package io.patchwork.manager.ledger;

import io.patchwork.node.api.RemoteOrderers;
import java.util.List;
import java.util.Optional;

/**
 * Which manager instances run the orderers of a ledger: alone, the one that creates it runs them
 * all ({@link #LOCAL}); in a cluster they are spread over the instances, so that losing one leaves
 * a majority of the ordering group running.
 */
public interface OrdererPlacement {
  /** Every orderer runs on the instance that creates the ledger. */
  OrdererPlacement LOCAL =
      new OrdererPlacement() {
        @Override
        public RemoteOrderers place(String ledgerId, int orderers) {
          return RemoteOrderers.NONE;
        }

        @Override
        public List<PlacedNode> elsewhere(String ledgerId) {
          return List.of();
        }

        @Override
        public void abandon(String ledgerId) {}
      };

  /** An orderer of a ledger run by another instance than its owner, as that instance sees it. */
  record PlacedNode(
      String nodeId,
      String instance,
      String endpoint,
      Optional<Long> height,
      Optional<Boolean> leader) {
    /** Whether its instance answered. */
    public boolean reachable() {
      return height.isPresent();
    }
  }

  /** The orderers of a new ledger that run on other instances, and how they are started there. */
  RemoteOrderers place(String ledgerId, int orderers);

  /**
   * The ledger's orderers that run on other instances than this one, read from them now (one whose
   * instance does not answer in time shows no height). Blocking.
   */
  List<PlacedNode> elsewhere(String ledgerId);

  /**
   * Has every instance stop and delete the orderers of the ledger it runs for another (after its
   * provisioning failed, or once it is retired). An instance down meanwhile deletes them when it
   * starts again.
   */
  void abandon(String ledgerId);
}
