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

  /**
   * Runs on this host the peers of a ledger another host ran, from that host's credentials of them
   * copied into {@code directory} (its nodes' data left behind): each peer on a port of this host
   * with new certificates from {@code authority} naming this host's address, catching up from the
   * orderers. No orderer starts here (each stays on its own host); the copied orderer credentials
   * are deleted. Once a peer has caught up, the ledger records the peers' new addresses in its
   * config, signed by the peers themselves, so that other organisations' peers ask them there.
   *
   * @throws LedgerException NODE_FAILED if the credentials cannot be read or a peer cannot start
   */
  HostedLedger takeOver(Path directory, CertificateAuthority authority) throws LedgerException;
}
