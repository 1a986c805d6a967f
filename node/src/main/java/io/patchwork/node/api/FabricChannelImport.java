package io.patchwork.node.api;

import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.channel.ChannelTrees;
import io.patchwork.node.channel.FabricChannel;
import io.patchwork.node.channel.FabricStateReplay;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.ImportedState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;

/**
 * An existing Fabric channel a new ledger is to be made from: its config block (as {@code peer
 * channel fetch config} saves it, or an AWS Managed Blockchain export holds it) read from Fabric's
 * structures alone. The new ledger lists the channel's organisations under the same MSP ids and
 * trusts for each what its Fabric MSP trusts — roots, intermediates, CRLs, TLS roots — so the
 * identities its members hold keep working; its endorsement policy is the channel's, as a count of
 * organisations. Optionally it starts with the channel's world state, from replaying the channel's
 * blocks ({@link #withState}). What a Patchwork ledger cannot express is refused here, before
 * anything is made. Immutable.
 */
public final class FabricChannelImport {
  private final Block configBlock;
  private final FabricChannel channel;
  private final EndorsementPolicy endorsement;
  private final Optional<ImportedState> state;

  private FabricChannelImport(
      Block configBlock,
      FabricChannel channel,
      EndorsementPolicy endorsement,
      Optional<ImportedState> state) {
    this.configBlock = configBlock;
    this.channel = channel;
    this.endorsement = endorsement;
    this.state = state;
  }

  /**
   * Reads a Fabric channel config block.
   *
   * @throws LedgerException {@code NOT_A_FABRIC_CONFIG_BLOCK} if the bytes are not a block holding
   *     one {@code CONFIG} envelope; {@code UNSUPPORTED_FABRIC_CONFIG} if the channel has no
   *     application organisation, an MSP other than X.509 Fabric's, a consensus other than Raft, or
   *     an endorsement policy that is not a count of all its organisations
   */
  public static FabricChannelImport read(byte[] configBlock) throws LedgerException {
    Objects.requireNonNull(configBlock, "configBlock");
    FabricChannel channel;
    Block block;
    try {
      block = Block.parseFrom(configBlock);
      channel = ChannelTrees.readConfigBlock(block);
    } catch (InvalidProtocolBufferException e) {
      throw new LedgerException(
          LedgerError.NOT_A_FABRIC_CONFIG_BLOCK, "the bytes do not decode as a Fabric block", e);
    } catch (ConfigException e) {
      throw new LedgerException(
          e.code() == ConfigException.Code.NOT_A_CONFIG_BLOCK
              ? LedgerError.NOT_A_FABRIC_CONFIG_BLOCK
              : LedgerError.UNSUPPORTED_FABRIC_CONFIG,
          e.getMessage(),
          e);
    }
    if (channel.organizations().isEmpty()) {
      throw new LedgerException(
          LedgerError.UNSUPPORTED_FABRIC_CONFIG,
          "the channel has no application organisation to bring into a ledger");
    }
    return new FabricChannelImport(block, channel, endorsement(channel), Optional.empty());
  }

  /**
   * This import with the channel's world state: what its blocks 0 to {@code blocks.size() - 1} (the
   * chain, holding the config block; taken from a peer, which records the validation codes) leave
   * in each chaincode's namespace ({@code channel.FabricStateReplay}).
   *
   * @throws LedgerException {@code INVALID_FABRIC_BLOCKS} if a block does not decode or the blocks
   *     are not that chain
   */
  public FabricChannelImport withState(List<byte[]> blocks) throws LedgerException {
    Objects.requireNonNull(blocks, "blocks");
    List<Block> chain = new ArrayList<>(blocks.size());
    for (int i = 0; i < blocks.size(); i++) {
      try {
        chain.add(Block.parseFrom(blocks.get(i)));
      } catch (InvalidProtocolBufferException e) {
        throw new LedgerException(
            LedgerError.INVALID_FABRIC_BLOCKS,
            "block file " + i + " does not decode as a Fabric block",
            e);
      }
    }
    try {
      return new FabricChannelImport(
          configBlock,
          channel,
          endorsement,
          Optional.of(FabricStateReplay.replay(chain, configBlock)));
    } catch (ConfigException e) {
      throw new LedgerException(LedgerError.INVALID_FABRIC_BLOCKS, e.getMessage(), e);
    }
  }

  /** The channel's world state, if the import carries it. */
  public Optional<ImportedState> state() {
    return state;
  }

  /** How many keys the imported state holds, over every namespace (0 without state). */
  public long importedKeys() {
    return state.stream()
        .flatMap(s -> s.getNamespacesList().stream())
        .mapToLong(ns -> ns.getEntriesCount())
        .sum();
  }

  private static EndorsementPolicy endorsement(FabricChannel channel) throws LedgerException {
    FabricChannel.Rule rule = channel.endorsement();
    return switch (rule.kind()) {
      case ANY ->
          EndorsementPolicy.newBuilder()
              .setRule(EndorsementPolicy.Rule.AT_LEAST)
              .setCount(1)
              .build();
      case MAJORITY ->
          EndorsementPolicy.newBuilder().setRule(EndorsementPolicy.Rule.MAJORITY).build();
      case ALL -> EndorsementPolicy.newBuilder().setRule(EndorsementPolicy.Rule.ALL).build();
      case AT_LEAST -> {
        List<String> all = mspIds(channel);
        if (!rule.mspIds().containsAll(all)) {
          throw new LedgerException(
              LedgerError.UNSUPPORTED_FABRIC_CONFIG,
              "the channel's endorsement policy counts "
                  + rule.count()
                  + " of "
                  + rule.mspIds()
                  + ", not of all its organisations "
                  + all
                  + ": a Patchwork ledger counts endorsements of all its members");
        }
        yield EndorsementPolicy.newBuilder()
            .setRule(EndorsementPolicy.Rule.AT_LEAST)
            .setCount(rule.count())
            .build();
      }
    };
  }

  private static List<String> mspIds(FabricChannel channel) {
    return channel.organizations().stream().map(FabricChannel.Organization::mspId).toList();
  }

  /** The MSP ids of the channel's application organisations, ordered by MSP id. */
  public List<String> mspIds() {
    return mspIds(channel);
  }

  /** The channel's endorsement policy as a Patchwork ledger counts it. */
  public EndorsementPolicy endorsement() {
    return endorsement;
  }

  /** The organisation with this MSP id, as the channel's config describes its MSP. */
  public Optional<FabricChannel.Organization> organization(String mspId) {
    return channel.organization(mspId);
  }

  /** What the config block says, as Patchwork reads it. */
  public FabricChannel channel() {
    return channel;
  }
}
