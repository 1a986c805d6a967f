package io.patchwork.node.api;

import java.util.Optional;

/**
 * The orderers of a new ledger that run on other hosts (other manager instances): which of them,
 * where, and how they are started there. The ledger host asks for the slots before it writes the
 * genesis config, and hands each remote orderer its credentials before it starts its own nodes.
 * Orderers started elsewhere keep running if the ledger then fails to come up here: whoever placed
 * them has their hosts delete them (the network manager does when provisioning fails).
 */
public interface RemoteOrderers {
  /** Every orderer runs on this host. */
  RemoteOrderers NONE =
      new RemoteOrderers() {
        @Override
        public Optional<OrdererSlot> slot(int index) {
          return Optional.empty();
        }

        @Override
        public void start(OrdererHandover handover) {
          throw new IllegalStateException("no orderer runs elsewhere");
        }
      };

  /**
   * Where orderer number {@code index} (from 0, as in {@code orderer<index>}) runs, if elsewhere.
   */
  Optional<OrdererSlot> slot(int index) throws LedgerException;

  /**
   * Hands an orderer its credentials on its host and starts it there; returns once it serves.
   *
   * @throws LedgerException NODE_FAILED if it could not be started there
   */
  void start(OrdererHandover handover) throws LedgerException;
}
