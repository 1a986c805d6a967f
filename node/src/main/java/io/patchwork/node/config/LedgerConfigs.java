package io.patchwork.node.config;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.patchwork.node.block.Blocks;
import io.patchwork.node.config.ConfigException.Code;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.tx.ConfigEnvelopes;
import io.patchwork.node.tx.EnvelopeHeaders;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;

/**
 * Config transactions and the genesis block.
 *
 * <p>A config transaction is a Fabric endorser transaction to the system chaincode {@code
 * _governance} ({@link ConfigEnvelopes}) carrying a {@link ConfigUpdate}: the whole new config plus
 * member admins' signatures. The genesis block holds exactly one, with sequence 0 and no
 * signatures.
 */
public final class LedgerConfigs {
  private LedgerConfigs() {}

  /**
   * The genesis block of a ledger with this config.
   *
   * @throws ConfigException if the config is not usable or its sequence is not 0
   */
  public static Block genesisBlock(LedgerConfig config, Instant createdAt) throws ConfigException {
    LedgerRules.of(config);
    if (config.getSequence() != 0) {
      throw new ConfigException(Code.MALFORMED, "a genesis config has sequence 0");
    }
    if (!LedgerRules.GENESIS_RAFT_SIZES.contains(config.getOrderersCount())) {
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
            ConfigUpdate.newBuilder().setConfig(config).build().toByteString());
    Envelope envelope = Envelope.newBuilder().setPayload(payload.toByteString()).build();
    return Blocks.genesis(List.of(envelope.toByteString()));
  }

  /**
   * The config update a config transaction carries, or empty if the envelope is not a config
   * transaction.
   *
   * @throws ConfigException if it claims to be one but cannot be decoded
   */
  public static Optional<ConfigUpdate> configUpdate(Envelope envelope) throws ConfigException {
    try {
      EnvelopeHeaders headers = EnvelopeHeaders.read(envelope);
      if (!headers.isConfig()) {
        return Optional.empty();
      }
      return Optional.of(ConfigUpdate.parseFrom(headers.configUpdate()));
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(Code.MALFORMED, "config transaction cannot be decoded", e);
    }
  }

  /**
   * The config of a genesis block.
   *
   * @throws ConfigException if block 0 does not hold exactly one valid config transaction
   */
  public static LedgerRules fromGenesis(Block genesis) throws ConfigException {
    if (genesis.getHeader().getNumber() != 0 || genesis.getData().getDataCount() != 1) {
      throw new ConfigException(
          Code.NOT_A_CONFIG_BLOCK, "a genesis block is block 0 with one config transaction");
    }
    try {
      Envelope envelope = Envelope.parseFrom(genesis.getData().getData(0));
      ConfigUpdate update =
          configUpdate(envelope)
              .orElseThrow(
                  () ->
                      new ConfigException(
                          Code.NOT_A_CONFIG_BLOCK, "block 0 holds no config transaction"));
      return LedgerRules.of(update.getConfig());
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(Code.MALFORMED, "genesis block cannot be decoded", e);
    }
  }

  /** Whether an envelope is a config transaction (without decoding the update). */
  public static boolean isConfig(ByteString envelopeBytes) {
    try {
      return EnvelopeHeaders.read(envelopeBytes).isConfig();
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }
}
