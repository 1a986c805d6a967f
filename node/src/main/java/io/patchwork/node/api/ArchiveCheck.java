package io.patchwork.node.api;

import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.SignedSettlementStatement;
import java.util.Optional;

/**
 * What an offline check of a ledger's archive found: the ledger, how many blocks, and the first
 * problem if any; once verified, the statement it closed with and its config as closed.
 */
public record ArchiveCheck(
    String ledgerId,
    long blocks,
    Optional<String> problem,
    Optional<SignedSettlementStatement> statement,
    Optional<LedgerConfig> closedConfig) {
  public boolean verified() {
    return problem.isEmpty();
  }
}
