package io.patchwork.node.contract.builtin;

import io.patchwork.node.contract.Contract;
import io.patchwork.node.contract.ContractRegistry;

/** Patchwork's built-in contracts: {@code ledger-token}, {@code obligations}, {@code notary}. */
public final class BuiltInContracts {
  private BuiltInContracts() {}

  /** A registry of the three built-in contracts, each a fresh instance. */
  public static ContractRegistry registry() {
    return ContractRegistry.of(new LedgerToken(), new Obligations(), new Notary());
  }

  /**
   * A registry of the built-in contracts and {@code others} (external chaincode, say).
   *
   * @throws IllegalArgumentException if two have the same name
   */
  public static ContractRegistry registryWith(Contract... others) {
    Contract[] all = new Contract[others.length + 3];
    all[0] = new LedgerToken();
    all[1] = new Obligations();
    all[2] = new Notary();
    System.arraycopy(others, 0, all, 3, others.length);
    return ContractRegistry.of(all);
  }
}
