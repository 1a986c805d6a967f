package io.patchwork.node.channel;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.patchwork.node.block.Blocks;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.ConfigException.Code;
import io.patchwork.node.config.LedgerConfigs;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.ImportedNamespace;
import io.patchwork.node.config.proto.ImportedState;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.tx.ConfigEnvelopes;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Config;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;

/**
 * A ledger's config blocks as Fabric has them: each holds one {@code CONFIG} envelope whose {@code
 * ConfigEnvelope} carries the channel config tree in force from that block ({@link ChannelTrees},
 * at Fabric's versions) and, as its last update, the Patchwork config transaction that made it
 * ({@link ConfigEnvelopes#wrap}). The genesis block's tree has every version 0; each config change
 * moves the tree on as Fabric's config updates do ({@link ConfigUpdates}), so two consecutive trees
 * give Fabric's tools ({@code configtxlator compute_update}) the change. Stateless and thread-safe.
 */
public final class ConfigBlocks {
  private ConfigBlocks() {}

  /**
   * The genesis block of a ledger with this config: one {@code CONFIG} envelope, the tree at
   * version 0 and the config transaction (sequence 0, unsigned) inside.
   *
   * @throws ConfigException if the config is not usable, its sequence is not 0 or its orderers are
   *     not a Raft group a ledger can start with
   */
  public static Block genesis(LedgerConfig config, Instant createdAt) throws ConfigException {
    return genesis(config, createdAt, Optional.empty());
  }

  /**
   * As {@link #genesis(LedgerConfig, Instant)}, for a ledger that starts with {@code imported}
   * state (a Fabric channel's, {@link FabricStateReplay}), carried in the genesis transaction.
   *
   * @throws ConfigException also {@code INVALID_FABRIC_BLOCKS} if the state names a Fabric system
   *     namespace or a namespace twice
   */
  public static Block genesis(
      LedgerConfig config, Instant createdAt, Optional<ImportedState> imported)
      throws ConfigException {
    Objects.requireNonNull(imported, "imported");
    if (imported.isPresent()) {
      Set<String> seen = new HashSet<>();
      for (ImportedNamespace namespace : imported.get().getNamespacesList()) {
        if (FabricStateReplay.isSystemNamespace(namespace.getNamespace())
            || !seen.add(namespace.getNamespace())) {
          throw new ConfigException(
              Code.INVALID_FABRIC_BLOCKS,
              "imported state names namespace '"
                  + namespace.getNamespace()
                  + "' twice or as Fabric's own");
        }
      }
    }
    LedgerRules.of(config);
    if (config.getSequence() != 0) {
      throw new ConfigException(Code.MALFORMED, "a genesis config has sequence 0");
    }
    if (!LedgerRules.genesisRaftSize(config.getOrderersCount())) {
      throw new ConfigException(
          Code.INVALID_ORDERERS,
          "a new ledger needs 1, 3, 5 or 7 orderers, not " + config.getOrderersCount());
    }
    ChannelHeader channelHeader =
        ChannelHeader.newBuilder()
            .setChannelId(config.getLedgerId())
            .setTimestamp(
                Timestamp.newBuilder()
                    .setSeconds(createdAt.getEpochSecond())
                    .setNanos(createdAt.getNano()))
            .build();
    Payload payload =
        ConfigEnvelopes.payload(
            channelHeader,
            SignatureHeader.getDefaultInstance(),
            withImported(ConfigUpdate.newBuilder().setConfig(config), imported)
                .build()
                .toByteString());
    Envelope submitted = Envelope.newBuilder().setPayload(payload.toByteString()).build();
    try {
      Envelope wrapped = ConfigEnvelopes.wrap(submitted, ChannelTrees.encode(config));
      return Blocks.genesis(List.of(wrapped.toByteString()));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the genesis transaction just built does not decode", e);
    }
  }

  private static ConfigUpdate.Builder withImported(
      ConfigUpdate.Builder update, Optional<ImportedState> imported) {
    imported.ifPresent(update::setImportedState);
    return update;
  }

  /**
   * The channel tree after a config change to {@code next}: its Fabric part, moved on from {@code
   * previous} at Fabric's versions, one sequence higher. A change Fabric's part does not show (a
   * contract pin, the voting rules, the ledger's status) keeps every element at its version and
   * moves only the sequence.
   */
  public static Config next(Config previous, LedgerConfig next) {
    Objects.requireNonNull(previous, "previous");
    Objects.requireNonNull(next, "next");
    String channel = next.getLedgerId();
    org.hyperledger.fabric.protos.common.ConfigUpdate update;
    try {
      update = ConfigUpdates.compute(channel, previous, ChannelTrees.encode(next));
    } catch (ConfigException unchanged) {
      return previous.toBuilder().setSequence(previous.getSequence() + 1).build();
    }
    try {
      return ConfigUpdates.apply(channel, previous, update);
    } catch (ConfigException e) {
      throw new IllegalStateException(
          "an update computed from a channel config does not apply to it: " + e.getMessage(), e);
    }
  }

  /**
   * The config of a genesis block, whose channel tree must be its config's Fabric form ({@link
   * ChannelTrees#encode}): what Fabric's tools read of a ledger is what its nodes run.
   *
   * @throws ConfigException as {@code LedgerConfigs.fromGenesis}, or {@code MALFORMED} if the tree
   *     is another
   */
  public static LedgerRules genesisRules(Block genesis) throws ConfigException {
    LedgerRules rules = LedgerConfigs.fromGenesis(genesis);
    if (!treeOf(genesis).equals(ChannelTrees.encode(rules.config()))) {
      throw new ConfigException(
          Code.MALFORMED,
          "the genesis block's channel config is not the Fabric form of its ledger config");
    }
    return rules;
  }

  /**
   * The channel tree a config block holds.
   *
   * @throws ConfigException {@code NOT_A_CONFIG_BLOCK} if its one envelope is not a {@code CONFIG}
   *     envelope
   */
  public static Config treeOf(Block block) throws ConfigException {
    Objects.requireNonNull(block, "block");
    if (block.getData().getDataCount() != 1) {
      throw new ConfigException(
          Code.NOT_A_CONFIG_BLOCK,
          "a config block holds one envelope; block "
              + block.getHeader().getNumber()
              + " holds "
              + block.getData().getDataCount());
    }
    try {
      Payload payload =
          Payload.parseFrom(Envelope.parseFrom(block.getData().getData(0)).getPayload());
      ChannelHeader channel = ChannelHeader.parseFrom(payload.getHeader().getChannelHeader());
      return ConfigEnvelopes.unwrap(payload, channel)
          .orElseThrow(
              () ->
                  new ConfigException(
                      Code.NOT_A_CONFIG_BLOCK,
                      "block " + block.getHeader().getNumber() + " is not a CONFIG block"))
          .tree();
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(
          Code.NOT_A_CONFIG_BLOCK,
          "block " + block.getHeader().getNumber() + " holds no readable config envelope",
          e);
    }
  }
}
