package io.patchwork.node.update;

import com.google.protobuf.ByteString;
import io.patchwork.node.block.BlockSignatures;
import io.patchwork.node.block.BlockVerifier;
import io.patchwork.node.channel.ConfigBlocks;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerConfigs;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.crypto.SignatureVerifier;
import java.util.Objects;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Config;

/**
 * A ledger's chain followed from its genesis block, one orderer-signed block at a time: each block
 * must link to the one before and carry a signature of an orderer of the config in force, and a
 * config update moves the config on exactly as peers and orderers move it ({@link
 * ConfigUpdateCheck}). What it knows comes from the chain alone, so a party that trusts only the
 * genesis block learns the config at any height. Not thread-safe.
 */
public final class ConfigChain {
  private final BlockVerifier blocks;
  private final SignatureVerifier verifier;
  private LedgerRules rules;
  private Config tree;
  private Block last;

  private ConfigChain(Block genesis, LedgerRules rules, Config tree, SignatureVerifier verifier) {
    this.blocks = new BlockVerifier(verifier);
    this.verifier = verifier;
    this.rules = rules;
    this.tree = tree;
    this.last = genesis;
  }

  /**
   * Starts at {@code genesis}.
   *
   * @throws ConfigException if the genesis block holds no valid config
   */
  public static ConfigChain fromGenesis(Block genesis, SignatureVerifier verifier)
      throws ConfigException {
    Objects.requireNonNull(verifier, "verifier");
    return new ConfigChain(
        genesis, ConfigBlocks.genesisRules(genesis), ConfigBlocks.treeOf(genesis), verifier);
  }

  /** The config in force after the last block followed. */
  public LedgerRules rules() {
    return rules;
  }

  /** The last block followed (the genesis block before any). */
  public Block last() {
    return last;
  }

  /** Why {@code block} cannot follow the last one (link, data hash, orderer signature), if so. */
  public Optional<String> refusal(Block block) {
    return blocks.problem(last, block, rules::ordererSigningCertificate);
  }

  /** The channel tree in force after the last block followed. */
  public Config tree() {
    return tree;
  }

  /**
   * The verdict on {@code block}'s config update, for a block that holds one (config updates travel
   * alone in their block), judged against the config in force. A config change must come in a
   * {@code CONFIG} envelope whose channel tree is the one in force moved on to the new config; a
   * proposal or ballot must not.
   */
  public Optional<ConfigUpdateCheck.Verdict> configVerdict(Block block) {
    if (block.getData().getDataCount() != 1
        || !LedgerConfigs.isConfig(block.getData().getData(0))) {
      return Optional.empty();
    }
    ByteString envelope = block.getData().getData(0);
    ConfigUpdateCheck.Verdict verdict =
        ConfigUpdateCheck.check(envelope, rules, BlockSignatures.blockTime(block), verifier);
    if (!verdict.applies()) {
      return Optional.of(verdict);
    }
    Optional<Config> carried = carriedTree(block);
    if (!verdict.changesConfig(rules)) {
      return Optional.of(
          carried.isEmpty()
              ? verdict
              : ConfigUpdateCheck.Verdict.refused(
                  "a proposal or ballot is ordered as it is, not in a CONFIG envelope"));
    }
    if (carried.isEmpty()
        || !carried.get().equals(ConfigBlocks.next(tree, verdict.next().orElseThrow().config()))) {
      return Optional.of(
          ConfigUpdateCheck.Verdict.refused(
              "the block's channel config is not the one in force moved on to the new config"));
    }
    return Optional.of(verdict);
  }

  private static Optional<Config> carriedTree(Block block) {
    try {
      return Optional.of(ConfigBlocks.treeOf(block));
    } catch (ConfigException notWrapped) {
      return Optional.empty();
    }
  }

  /**
   * Moves past {@code block}, whose {@link #refusal} was empty, taking the config its update leads
   * to when {@code verdict} applies.
   */
  public void advance(Block block, Optional<ConfigUpdateCheck.Verdict> verdict) {
    if (verdict.isPresent() && verdict.get().applies()) {
      LedgerRules next = verdict.get().next().orElseThrow();
      if (verdict.get().changesConfig(rules)) {
        tree = carriedTree(block).orElse(tree);
      }
      rules = next;
    }
    last = block;
  }

  /**
   * Checks and follows {@code block}; answers why it cannot follow, leaving the chain as it was.
   */
  public Optional<String> follow(Block block) {
    Optional<String> refusal = refusal(block);
    if (refusal.isEmpty()) {
      advance(block, configVerdict(block));
    }
    return refusal;
  }
}
