package io.patchwork.node.order;

import io.patchwork.node.config.LedgerRules;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Envelope;

/**
 * What an orderer admits: called for every envelope a client broadcasts and every Deliver request,
 * before anything enters the Raft log. Thread-safe; must not block.
 */
@FunctionalInterface
public interface EnvelopeCheck {
  /**
   * Why the envelope is refused under the config in force, in words for the client, or empty to
   * admit it.
   */
  Optional<String> refuse(Envelope envelope, LedgerRules current);
}
