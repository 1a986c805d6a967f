package io.patchwork.node.api;

import io.patchwork.ca.CertificateAuthority;
import java.nio.file.Path;

/**
 * Starts the nodes of ledgers: new ones from a plan, and again after a restart from what they kept
 * on disk. Thread-safe; each call blocks until the ledger's nodes are up (call it off event loops).
 */
public interface LedgerHost {
  /**
   * Issues the nodes' certificates from the plan's authority, writes the genesis config and starts
   * every node; returns once all of them serve. Nothing of the ledger is left running or on disk if
   * it fails.
   *
   * @throws LedgerException INVALID_PLAN if the plan makes no valid genesis config, NODE_FAILED if
   *     a node did not start
   */
  HostedLedger create(LedgerPlan plan) throws LedgerException;

  /**
   * Starts again a ledger this host created in {@code directory}: every node recovers from its data
   * and catches up.
   *
   * @param authority the ledger's authority, for peers certified later
   * @throws LedgerException NODE_FAILED if the kept files cannot be read or a node cannot start
   */
  HostedLedger reopen(Path directory, CertificateAuthority authority) throws LedgerException;
}
