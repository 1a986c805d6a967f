package io.patchwork.node.contract;

import com.google.protobuf.ByteString;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/** A registry and external chaincode beside it ({@link ContractRegistry#with}). Immutable. */
final class CombinedContractRegistry implements ContractRegistry {
  private final ContractRegistry base;
  private final Map<String, ExternalChaincode> external = new LinkedHashMap<>();
  private final SortedSet<String> names;

  CombinedContractRegistry(ContractRegistry base, List<ExternalChaincode> more) {
    this.base = base;
    for (ExternalChaincode chaincode : more) {
      if (base.contract(chaincode.name()).isPresent()
          || external.putIfAbsent(chaincode.name(), chaincode) != null) {
        throw new IllegalArgumentException("two contracts are named " + chaincode.name());
      }
    }
    TreeSet<String> all = new TreeSet<>(base.names());
    all.addAll(external.keySet());
    this.names = Collections.unmodifiableSortedSet(all);
  }

  @Override
  public Optional<Contract> contract(String name) {
    ExternalChaincode chaincode = external.get(name);
    return chaincode != null ? Optional.of(chaincode) : base.contract(name);
  }

  @Override
  public ByteString codeHash(String name) {
    ExternalChaincode chaincode = external.get(name);
    return chaincode != null ? chaincode.packageHash() : base.codeHash(name);
  }

  @Override
  public SortedSet<String> names() {
    return names;
  }
}
