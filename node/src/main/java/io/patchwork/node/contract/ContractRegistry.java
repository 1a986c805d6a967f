package io.patchwork.node.contract;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;

/**
 * The contracts a node can run, by name, with their code hashes. Which of them a ledger actually
 * runs is up to its config (pinned names and hashes). Thread-safe and immutable. The built-in
 * contracts' registry is {@code BuiltInContracts.registry()}.
 */
public interface ContractRegistry {
  /**
   * A registry of the given contracts.
   *
   * @throws IllegalArgumentException if two have the same name
   */
  static ContractRegistry of(Contract... contracts) {
    return new FixedContractRegistry(contracts);
  }

  Optional<Contract> contract(String name);

  /**
   * The code hash of the named contract.
   *
   * @throws IllegalArgumentException if the registry has no such contract
   */
  ByteString codeHash(String name);

  SortedSet<String> names();

  /**
   * This registry and {@code more}: external chaincode a ledger's peers run beside these.
   *
   * @throws IllegalArgumentException if one of {@code more} is named as a contract here or another
   *     of them
   */
  default ContractRegistry with(List<ExternalChaincode> more) {
    return more.isEmpty() ? this : new CombinedContractRegistry(this, more);
  }
}
