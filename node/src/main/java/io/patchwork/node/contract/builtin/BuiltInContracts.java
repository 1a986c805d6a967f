package io.patchwork.node.contract.builtin;

import io.patchwork.node.contract.ContractRegistry;

/** Patchwork's built-in contracts: {@code ledger-token}, {@code obligations}, {@code notary}. */
public final class BuiltInContracts {
  private BuiltInContracts() {}

  /** A registry of the three built-in contracts, each a fresh instance. */
  public static ContractRegistry registry() {
    return ContractRegistry.of(new LedgerToken(), new Obligations(), new Notary());
  }
}
