package io.patchwork.node.config;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.config.ConfigException.Code;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.tx.ConfigEnvelopes;
import io.patchwork.node.tx.EnvelopeHeaders;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Envelope;

/**
 * Config transactions, and the config of a genesis block.
 *
 * <p>A config transaction is a Fabric endorser transaction to the system chaincode {@code
 * _governance} ({@link ConfigEnvelopes}) carrying a {@link ConfigUpdate}: the whole new config plus
 * member admins' signatures; in a config block it is wrapped in a {@code CONFIG} envelope. The
 * genesis block holds exactly one, with sequence 0 and no signatures (made by {@code
 * channel.ConfigBlocks}).
 */
public final class LedgerConfigs {
  private LedgerConfigs() {}

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
