package io.patchwork.node.api;

import io.patchwork.node.config.proto.SettlementStatement;
import io.patchwork.node.config.proto.SignedSettlementStatement;

/**
 * A settlement statement committed as a ledger's last block: signed by peers of {@code signers}
 * members, in block {@code blockNumber}. The ledger is CLOSED from that block on.
 */
public record Closing(
    SignedSettlementStatement signed,
    SettlementStatement statement,
    long blockNumber,
    int signers) {}
