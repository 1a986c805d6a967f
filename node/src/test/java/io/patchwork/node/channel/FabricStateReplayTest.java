package io.patchwork.node.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.patchwork.node.block.BlockHashes;
import io.patchwork.node.block.Blocks;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.proto.ImportedEntry;
import io.patchwork.node.config.proto.ImportedNamespace;
import io.patchwork.node.config.proto.ImportedState;
import io.patchwork.node.config.proto.LedgerConfig;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockMetadataIndex;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Config;
import org.hyperledger.fabric.protos.common.ConfigEnvelope;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.ledger.rwset.NsReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.TxReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRWSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVWrite;
import org.hyperledger.fabric.protos.peer.ChaincodeAction;
import org.hyperledger.fabric.protos.peer.ChaincodeActionPayload;
import org.hyperledger.fabric.protos.peer.ChaincodeEndorsedAction;
import org.hyperledger.fabric.protos.peer.ProposalResponsePayload;
import org.hyperledger.fabric.protos.peer.Transaction;
import org.hyperledger.fabric.protos.peer.TransactionAction;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
import org.junit.jupiter.api.Test;

/**
 * A Fabric channel's state from its blocks: valid transactions' writes in order, deletes remove,
 * invalid transactions and Fabric's own namespaces leave nothing; what is not the channel's chain
 * from block 0 with the config block in it is refused.
 */
class FabricStateReplayTest {
  private static final String CHANNEL = "mychannel";

  private final Block genesis = filtered(Blocks.genesis(List.of(configEnvelope(CHANNEL, 0))), 0);
  private final Block first =
      filtered(
          Blocks.next(
              genesis,
              List.of(
                  endorser(
                      CHANNEL,
                      Map.of("assets", List.of(put("a1", "10"), put("a2", "20"))),
                      Map.of("_lifecycle", List.of(put("namespaces/assets", "def")))))),
          TxValidationCode.VALID_VALUE);
  private final Block second =
      filtered(
          Blocks.next(
              first,
              List.of(
                  endorser(CHANNEL, Map.of("assets", List.of(delete("a1"), put("a3", "30")))),
                  endorser(CHANNEL, Map.of("assets", List.of(put("a9", "stale")))))),
          TxValidationCode.VALID_VALUE,
          TxValidationCode.MVCC_READ_CONFLICT_VALUE);

  @Test
  void the_state_is_what_the_valid_transactions_wrote_in_order() throws Exception {
    ImportedState state = FabricStateReplay.replay(List.of(genesis, first, second), genesis);

    assertThat(state.getSourceChannelId()).isEqualTo(CHANNEL);
    assertThat(state.getSourceHeight()).isEqualTo(3);
    assertThat(state.getSourceBlockHash().toByteArray())
        .isEqualTo(BlockHashes.headerHash(second.getHeader()));
    assertThat(state.getNamespacesList())
        .containsExactly(
            ImportedNamespace.newBuilder()
                .setNamespace("assets")
                .addEntries(entry("a2", "20"))
                .addEntries(entry("a3", "30"))
                .build());
  }

  @Test
  void blocks_that_are_not_the_channels_chain_from_block_0_are_refused() {
    Block tampered =
        second.toBuilder()
            .setData(
                second.getData().toBuilder()
                    .setData(0, endorser(CHANNEL, Map.of("assets", List.of(put("a3", "3000"))))))
            .build();
    Block elsewhere =
        filtered(
            Blocks.next(
                first, List.of(endorser("otherchannel", Map.of("assets", List.of(put("x", "1")))))),
            TxValidationCode.VALID_VALUE);
    Block otherFirst =
        filtered(
            Blocks.next(genesis, List.of(endorser(CHANNEL, Map.of("assets", List.of()))))
                .toBuilder()
                .build(),
            TxValidationCode.VALID_VALUE);
    Block unfiltered = Blocks.next(first, second.getData().getDataList());
    Block anotherConfig = filtered(Blocks.genesis(List.of(configEnvelope(CHANNEL, 5))), 0);

    assertRefused(List.of(), genesis, "no blocks");
    assertRefused(List.of(first, second), genesis, "not the chain from block 0");
    assertRefused(List.of(genesis, second), genesis, "not the chain from block 0");
    assertRefused(List.of(genesis, first, tampered), genesis, "data does not match");
    assertRefused(List.of(genesis, otherFirst, second), genesis, "does not follow block 1");
    assertRefused(List.of(genesis, first, elsewhere), genesis, "of channel 'otherchannel'");
    assertRefused(List.of(genesis, first, unfiltered), genesis, "no validation code");
    assertRefused(List.of(genesis, first, second), anotherConfig, "is not among the blocks");
  }

  @Test
  void a_genesis_block_takes_no_state_for_fabrics_own_namespaces() {
    ImportedState lifecycle =
        ImportedState.newBuilder()
            .addNamespaces(
                ImportedNamespace.newBuilder()
                    .setNamespace("_lifecycle")
                    .addEntries(entry("namespaces/fields/assets/Sequence", "1")))
            .build();

    assertThatThrownBy(
            () ->
                ConfigBlocks.genesis(
                    LedgerConfig.getDefaultInstance(), Instant.now(), Optional.of(lifecycle)))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> assertThat(e.code()).isEqualTo(ConfigException.Code.INVALID_FABRIC_BLOCKS))
        .hasMessageContaining("_lifecycle");
  }

  private static void assertRefused(List<Block> blocks, Block config, String because) {
    assertThatThrownBy(() -> FabricStateReplay.replay(blocks, config))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> assertThat(e.code()).isEqualTo(ConfigException.Code.INVALID_FABRIC_BLOCKS))
        .hasMessageContaining(because);
  }

  private static ImportedEntry entry(String key, String value) {
    return ImportedEntry.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value)).build();
  }

  private static KVWrite put(String key, String value) {
    return KVWrite.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value)).build();
  }

  private static KVWrite delete(String key) {
    return KVWrite.newBuilder().setKey(key).setIsDelete(true).build();
  }

  /** The block as a peer stores it: one validation code per transaction. */
  private static Block filtered(Block block, int... codes) {
    byte[] filter = new byte[codes.length];
    for (int i = 0; i < codes.length; i++) {
      filter[i] = (byte) codes[i];
    }
    Block.Builder builder = block.toBuilder();
    while (builder.getMetadata().getMetadataCount()
        <= BlockMetadataIndex.TRANSACTIONS_FILTER_VALUE) {
      builder.getMetadataBuilder().addMetadata(ByteString.EMPTY);
    }
    builder
        .getMetadataBuilder()
        .setMetadata(BlockMetadataIndex.TRANSACTIONS_FILTER_VALUE, ByteString.copyFrom(filter));
    return builder.build();
  }

  private static ByteString configEnvelope(String channel, long sequence) {
    return envelope(
        channel,
        HeaderType.CONFIG,
        ConfigEnvelope.newBuilder()
            .setConfig(Config.newBuilder().setSequence(sequence))
            .build()
            .toByteString());
  }

  @SafeVarargs
  private static ByteString endorser(String channel, Map<String, List<KVWrite>>... actions) {
    Transaction.Builder transaction = Transaction.newBuilder();
    for (Map<String, List<KVWrite>> writes : actions) {
      TxReadWriteSet.Builder rwSet =
          TxReadWriteSet.newBuilder().setDataModel(TxReadWriteSet.DataModel.KV);
      writes.forEach(
          (namespace, kv) ->
              rwSet.addNsRwset(
                  NsReadWriteSet.newBuilder()
                      .setNamespace(namespace)
                      .setRwset(KVRWSet.newBuilder().addAllWrites(kv).build().toByteString())));
      ByteString response =
          ProposalResponsePayload.newBuilder()
              .setExtension(
                  ChaincodeAction.newBuilder()
                      .setResults(rwSet.build().toByteString())
                      .build()
                      .toByteString())
              .build()
              .toByteString();
      transaction.addActions(
          TransactionAction.newBuilder()
              .setPayload(
                  ChaincodeActionPayload.newBuilder()
                      .setAction(
                          ChaincodeEndorsedAction.newBuilder().setProposalResponsePayload(response))
                      .build()
                      .toByteString()));
    }
    return envelope(channel, HeaderType.ENDORSER_TRANSACTION, transaction.build().toByteString());
  }

  private static ByteString envelope(String channel, HeaderType type, ByteString data) {
    return Envelope.newBuilder()
        .setPayload(
            Payload.newBuilder()
                .setHeader(
                    Header.newBuilder()
                        .setChannelHeader(
                            ChannelHeader.newBuilder()
                                .setType(type.getNumber())
                                .setChannelId(channel)
                                .build()
                                .toByteString()))
                .setData(data)
                .build()
                .toByteString())
        .build()
        .toByteString();
  }
}
