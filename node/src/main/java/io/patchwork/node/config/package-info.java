/**
 * Ledger config: the genesis block, config transactions and the rules a config sets (members and
 * trust roots, orderers, endorsement policy, block cutting, pinned contracts, ledger status). The
 * format is protobuf, {@code patchwork/config.proto}, version {@value
 * io.patchwork.node.config.LedgerRules#FORMAT_VERSION}.
 */
package io.patchwork.node.config;
