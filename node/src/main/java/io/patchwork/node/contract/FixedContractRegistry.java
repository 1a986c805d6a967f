package io.patchwork.node.contract;

import com.google.protobuf.ByteString;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

final class FixedContractRegistry implements ContractRegistry {
  private final Map<String, Contract> contracts = new HashMap<>();
  private final Map<String, ByteString> hashes = new HashMap<>();
  private final SortedSet<String> names;

  FixedContractRegistry(Contract... list) {
    for (Contract contract : list) {
      if (contracts.putIfAbsent(contract.name(), contract) != null) {
        throw new IllegalArgumentException("two contracts are named " + contract.name());
      }
      hashes.put(
          contract.name(),
          contract instanceof ExternalChaincode external
              ? external.packageHash()
              : ContractCodeHash.of(contract.codeClasses()));
    }
    this.names = Collections.unmodifiableSortedSet(new TreeSet<>(contracts.keySet()));
  }

  @Override
  public Optional<Contract> contract(String name) {
    return Optional.ofNullable(contracts.get(name));
  }

  @Override
  public ByteString codeHash(String name) {
    ByteString hash = hashes.get(name);
    if (hash == null) {
      throw new IllegalArgumentException("no contract named " + name);
    }
    return hash;
  }

  @Override
  public SortedSet<String> names() {
    return names;
  }
}
