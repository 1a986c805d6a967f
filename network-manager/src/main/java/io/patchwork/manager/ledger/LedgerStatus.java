package io.patchwork.manager.ledger;

/** A ledger's lifecycle as the registry records it. */
public enum LedgerStatus {
  /** Its authority, certificates, genesis and nodes are being set up. */
  PROVISIONING,
  /** Running and taking transactions. */
  ACTIVE,
  /** Members decided to close it; settlement is under way. */
  CLOSING,
  /** Settled; the last block holds the signed statement. */
  CLOSED,
  /** Archived; nodes stopped, disk freed. */
  ARCHIVED,
  /** Provisioning failed; see the failure reason. Nothing of it is left running. */
  FAILED
}
