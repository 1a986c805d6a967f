package io.patchwork.node.channel;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.block.BlockHashes;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.ConfigException.Code;
import io.patchwork.node.config.proto.ImportedEntry;
import io.patchwork.node.config.proto.ImportedNamespace;
import io.patchwork.node.config.proto.ImportedState;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockMetadataIndex;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.ledger.rwset.NsReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.TxReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRWSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVWrite;
import org.hyperledger.fabric.protos.peer.ChaincodeAction;
import org.hyperledger.fabric.protos.peer.ChaincodeActionPayload;
import org.hyperledger.fabric.protos.peer.ProposalResponsePayload;
import org.hyperledger.fabric.protos.peer.Transaction;
import org.hyperledger.fabric.protos.peer.TransactionAction;
import org.hyperledger.fabric.protos.peer.TxValidationCode;

/**
 * A Fabric channel's world state, rebuilt by replaying its blocks as a Fabric peer committed them:
 * block after block from the genesis block, the writes of every endorser transaction the block's
 * {@code TRANSACTIONS_FILTER} records {@code VALID}, in order — a delete removes the key. Fabric's
 * own namespaces ({@code _lifecycle}, {@code lscc}, any name starting with {@code _}) and private
 * data (only its hashes are in blocks) are left out.
 *
 * <p>The blocks must be the channel's chain: numbered 0, 1, 2, ... with each one's {@code
 * previous_hash} the hash of the header before and its {@code data_hash} its data's, every
 * transaction of the channel, and the config block the new ledger is made from among them. Orderer
 * signatures are not checked here: whoever imports holds the blocks and trusts them (the ledger's
 * genesis names the last block's hash, so members can check the state against their own copy).
 * Stateless and thread-safe.
 */
public final class FabricStateReplay {
  /** Orders keys by their UTF-8 bytes, as the world state does. */
  private static final Comparator<String> KEY_ORDER =
      (a, b) ->
          Arrays.compareUnsigned(
              a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  private FabricStateReplay() {}

  /**
   * The world state after {@code blocks}, for a ledger made from {@code configBlock}.
   *
   * @throws ConfigException {@code INVALID_FABRIC_BLOCKS} if the blocks are not one channel's chain
   *     from its genesis block holding the config block, or a transaction recorded VALID does not
   *     decode
   */
  public static ImportedState replay(List<Block> blocks, Block configBlock) throws ConfigException {
    Objects.requireNonNull(blocks, "blocks");
    Objects.requireNonNull(configBlock, "configBlock");
    if (blocks.isEmpty()) {
      throw refused("no blocks to replay: give the channel's blocks from its genesis block (0)");
    }
    String channel = channelOf(configBlock, "the config block");
    Map<String, Map<String, ByteString>> state = new TreeMap<>();
    byte[] previous = null;
    for (int number = 0; number < blocks.size(); number++) {
      Block block = blocks.get(number);
      if (block.getHeader().getNumber() != number) {
        throw refused(
            "the blocks are not the chain from block 0: block "
                + block.getHeader().getNumber()
                + " where block "
                + number
                + " belongs");
      }
      if (previous != null
          && !Arrays.equals(previous, block.getHeader().getPreviousHash().toByteArray())) {
        throw refused(
            "block "
                + number
                + " does not follow block "
                + (number - 1)
                + ": its previous hash"
                + " is not that block's header hash");
      }
      if (!Arrays.equals(
          BlockHashes.dataHash(block.getData()), block.getHeader().getDataHash().toByteArray())) {
        throw refused("block " + number + "'s data does not match the data hash in its header");
      }
      previous = BlockHashes.headerHash(block.getHeader());
      apply(block, channel, state);
    }
    long at = configBlock.getHeader().getNumber();
    if (at >= blocks.size()
        || !Arrays.equals(
            BlockHashes.headerHash(blocks.get((int) at).getHeader()),
            BlockHashes.headerHash(configBlock.getHeader()))) {
      throw refused(
          "the config block (block "
              + at
              + ") is not among the blocks replayed (0 to "
              + (blocks.size() - 1)
              + ") of this chain");
    }
    ImportedState.Builder imported =
        ImportedState.newBuilder()
            .setSourceChannelId(channel)
            .setSourceHeight(blocks.size())
            .setSourceBlockHash(ByteString.copyFrom(previous));
    state.forEach(
        (namespace, entries) -> {
          if (entries.isEmpty()) {
            return;
          }
          ImportedNamespace.Builder ns = ImportedNamespace.newBuilder().setNamespace(namespace);
          entries.forEach(
              (key, value) ->
                  ns.addEntries(ImportedEntry.newBuilder().setKey(key).setValue(value)));
          imported.addNamespaces(ns);
        });
    return imported.build();
  }

  /** Whether a namespace is Fabric's own or a chaincode's. */
  public static boolean isSystemNamespace(String namespace) {
    return namespace.startsWith("_") || namespace.equals("lscc");
  }

  private static void apply(Block block, String channel, Map<String, Map<String, ByteString>> state)
      throws ConfigException {
    long number = block.getHeader().getNumber();
    ByteString filter =
        block.getMetadata().getMetadataCount() > BlockMetadataIndex.TRANSACTIONS_FILTER_VALUE
            ? block.getMetadata().getMetadata(BlockMetadataIndex.TRANSACTIONS_FILTER_VALUE)
            : ByteString.EMPTY;
    if (number == 0 && filter.isEmpty()) {
      // The genesis block is the channel's config, never validated: peers store it without codes.
      return;
    }
    if (filter.size() != block.getData().getDataCount()) {
      throw refused(
          "block "
              + number
              + " has no validation code for each transaction: take the blocks from a peer, which"
              + " records them, not from an orderer");
    }
    for (int i = 0; i < block.getData().getDataCount(); i++) {
      String where = "block " + number + " transaction " + i;
      try {
        Payload payload =
            Payload.parseFrom(Envelope.parseFrom(block.getData().getData(i)).getPayload());
        ChannelHeader header = ChannelHeader.parseFrom(payload.getHeader().getChannelHeader());
        if (!header.getChannelId().equals(channel)) {
          throw refused(where + " is of channel '" + header.getChannelId() + "', not " + channel);
        }
        if ((filter.byteAt(i) & 0xff) != TxValidationCode.VALID_VALUE
            || header.getType() != HeaderType.ENDORSER_TRANSACTION_VALUE) {
          continue;
        }
        for (TransactionAction action : Transaction.parseFrom(payload.getData()).getActionsList()) {
          ChaincodeAction chaincode =
              ChaincodeAction.parseFrom(
                  ProposalResponsePayload.parseFrom(
                          ChaincodeActionPayload.parseFrom(action.getPayload())
                              .getAction()
                              .getProposalResponsePayload())
                      .getExtension());
          for (NsReadWriteSet ns :
              TxReadWriteSet.parseFrom(chaincode.getResults()).getNsRwsetList()) {
            if (isSystemNamespace(ns.getNamespace())) {
              continue;
            }
            Map<String, ByteString> entries =
                state.computeIfAbsent(ns.getNamespace(), name -> new TreeMap<>(KEY_ORDER));
            for (KVWrite write : KVRWSet.parseFrom(ns.getRwset()).getWritesList()) {
              if (write.getIsDelete()) {
                entries.remove(write.getKey());
              } else {
                entries.put(write.getKey(), write.getValue());
              }
            }
          }
        }
      } catch (InvalidProtocolBufferException e) {
        throw refused(where + " does not decode as a Fabric transaction: " + e.getMessage());
      }
    }
  }

  private static String channelOf(Block block, String what) throws ConfigException {
    try {
      if (block.getData().getDataCount() == 0) {
        throw refused(what + " holds no transaction");
      }
      Payload payload =
          Payload.parseFrom(Envelope.parseFrom(block.getData().getData(0)).getPayload());
      return ChannelHeader.parseFrom(payload.getHeader().getChannelHeader()).getChannelId();
    } catch (InvalidProtocolBufferException e) {
      throw refused(what + " does not decode as a Fabric block");
    }
  }

  private static ConfigException refused(String message) {
    return new ConfigException(Code.INVALID_FABRIC_BLOCKS, message);
  }
}
