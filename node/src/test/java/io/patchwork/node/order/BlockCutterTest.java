package io.patchwork.node.order;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.ca.Pem;
import io.patchwork.node.block.BlockSignatures;
import io.patchwork.node.block.Blocks;
import io.patchwork.node.block.ChainCheck;
import io.patchwork.node.channel.ChannelTrees;
import io.patchwork.node.channel.ConfigBlocks;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Member;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.order.proto.Cut;
import io.patchwork.node.order.proto.EnvelopeBatch;
import io.patchwork.node.order.proto.OrdererPosition;
import io.patchwork.node.order.proto.OrderingEntry;
import io.patchwork.node.store.BlockStore;
import io.patchwork.node.tx.ConfigEnvelopes;
import io.patchwork.node.update.ConfigUpdateCheck;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deterministic part of ordering: what blocks a log of entries becomes. Every orderer applies
 * the same log, so these rules decide whether they all cut the same blocks.
 */
class BlockCutterTest {
  private static NodeSigner first;
  private static NodeSigner second;

  @TempDir Path directory;

  @BeforeAll
  static void signers() throws Exception {
    first = signer("orderer0");
    second = signer("orderer1");
  }

  @Test
  void envelopes_are_cut_into_blocks_of_at_most_max_transactions() throws Exception {
    try (BlockStore blocks = store("a")) {
      BlockCutter cutter = cutter(blocks, first, 3, 1 << 20);

      cutter.applyEntry(1, batch(1_000, envelopes("t", 7)));

      assertThat(blocks.height()).isEqualTo(3);
      assertThat(blocks.get(1).orElseThrow().getData().getDataList())
          .containsExactlyElementsOf(envelopes("t", 7).subList(0, 3));
      assertThat(blocks.get(2).orElseThrow().getData().getDataList())
          .containsExactlyElementsOf(envelopes("t", 7).subList(3, 6));
      assertThat(cutter.nextBlockNumber()).isEqualTo(3);
      assertThat(cutter.pendingSince()).isPositive();
    }
  }

  @Test
  void a_block_is_cut_before_its_envelopes_would_exceed_max_bytes() throws Exception {
    List<ByteString> envelopes = envelopes("t", 5);
    long limit = envelopes.get(0).size() * 2L + 1;
    try (BlockStore blocks = store("a")) {
      BlockCutter cutter = cutter(blocks, first, 100, limit);

      cutter.applyEntry(1, batch(1_000, envelopes));

      assertThat(blocks.height()).isEqualTo(3);
      for (long number = 1; number < blocks.height(); number++) {
        Block block = blocks.get(number).orElseThrow();
        assertThat(block.getData().getDataCount()).isEqualTo(2);
        long bytes = block.getData().getDataList().stream().mapToLong(ByteString::size).sum();
        assertThat(bytes).isLessThanOrEqualTo(limit);
      }
    }
  }

  @Test
  void a_cut_request_cuts_the_pending_block_and_a_stale_one_does_nothing() throws Exception {
    try (BlockStore blocks = store("a")) {
      BlockCutter cutter = cutter(blocks, first, 100, 1 << 20);
      cutter.applyEntry(1, batch(1_000, envelopes("t", 2)));

      cutter.applyEntry(2, cut(1, 2_000));
      cutter.applyEntry(3, batch(3_000, envelopes("u", 1)));
      cutter.applyEntry(4, cut(1, 4_000));

      assertThat(blocks.height()).isEqualTo(2);
      assertThat(blocks.get(1).orElseThrow().getData().getDataCount()).isEqualTo(2);
      assertThat(cutter.pendingSince()).isPositive();

      cutter.applyEntry(5, cut(2, 5_000));
      assertThat(blocks.height()).isEqualTo(3);
      assertThat(cutter.pendingSince()).isZero();
    }
  }

  @Test
  void a_config_transaction_gets_a_block_of_its_own() throws Exception {
    try (BlockStore blocks = store("a")) {
      BlockCutter cutter = cutter(blocks, first, 100, 1 << 20);
      List<ByteString> entry = new ArrayList<>(envelopes("t", 2));
      entry.add(envelope("config", true));
      entry.addAll(envelopes("u", 1));

      cutter.applyEntry(1, batch(1_000, entry));
      cutter.applyEntry(2, cut(3, 2_000));

      assertThat(blocks.height()).isEqualTo(4);
      assertThat(blocks.get(1).orElseThrow().getData().getDataCount()).isEqualTo(2);
      // Alone, in Fabric's CONFIG envelope: the channel tree after the change, the member's
      // transaction inside.
      Block config = blocks.get(2).orElseThrow();
      assertThat(config.getData().getDataCount()).isEqualTo(1);
      assertThat(ConfigBlocks.treeOf(config))
          .isEqualTo(ConfigBlocks.next(ConfigBlocks.treeOf(genesis()), rules(1, 100).config()));
      Payload payload =
          Payload.parseFrom(Envelope.parseFrom(config.getData().getData(0)).getPayload());
      assertThat(ConfigEnvelopes.update(payload)).isEqualTo(ByteString.copyFromUtf8("config"));
      assertThat(
              ConfigEnvelopes.unwrap(
                      payload, ChannelHeader.parseFrom(payload.getHeader().getChannelHeader()))
                  .orElseThrow()
                  .submitted())
          .contains(Envelope.parseFrom(envelope("config", true)));
      assertThat(blocks.get(3).orElseThrow().getData().getDataCount()).isEqualTo(1);
      assertThat(
              BlockSignatures.ordererMetadata(blocks.get(3).orElseThrow())
                  .orElseThrow()
                  .getLastConfig()
                  .getIndex())
          .isEqualTo(2);
    }
  }

  @Test
  void a_config_transaction_that_does_not_apply_is_left_out_and_cuts_nothing() throws Exception {
    try (BlockStore blocks = store("a")) {
      BlockCutter cutter = cutter(blocks, first, 100, 1 << 20);
      List<ByteString> entry = new ArrayList<>(envelopes("t", 2));
      entry.add(envelope("refused-config", true));
      entry.addAll(envelopes("u", 1));

      cutter.applyEntry(1, batch(1_000, entry));
      cutter.applyEntry(2, cut(1, 2_000));

      assertThat(blocks.height()).isEqualTo(2);
      assertThat(blocks.get(1).orElseThrow().getData().getDataList())
          .containsExactlyElementsOf(
              List.of(envelope("t0", false), envelope("t1", false), envelope("u0", false)));
      assertThat(cutter.rules().sequence()).isZero();
    }
  }

  @Test
  void an_applied_config_changes_block_cutting_and_is_restored_after_a_restart() throws Exception {
    try (BlockStore blocks = store("a")) {
      BlockCutter cutter = cutter(blocks, first, 100, 1 << 20);

      cutter.applyEntry(1, batch(1_000, List.of(envelope("shrink-config", true))));
      cutter.applyEntry(2, batch(1_100, envelopes("t", 5)));

      assertThat(cutter.rules().sequence()).isEqualTo(1);
      assertThat(cutter.cutting().maxTransactions()).isEqualTo(2);
      // Block 1 is the config; then blocks of two under the new config.
      assertThat(blocks.height()).isEqualTo(4);
      assertThat(blocks.get(2).orElseThrow().getData().getDataCount()).isEqualTo(2);

      BlockCutter restarted = cutter(blocks, first, 100, 1 << 20);
      assertThat(restarted.rules().sequence()).isEqualTo(7);
      assertThat(restarted.cutting().maxTransactions()).isEqualTo(2);
    }
  }

  @Test
  void two_orderers_applying_the_same_log_cut_identical_blocks_each_signed_by_itself()
      throws Exception {
    try (BlockStore a = store("a");
        BlockStore b = store("b")) {
      BlockCutter one = cutter(a, first, 4, 1 << 20);
      BlockCutter two = cutter(b, second, 4, 1 << 20);
      List<OrderingEntry> log =
          List.of(
              batch(1_000, envelopes("t", 6)),
              cut(2, 900),
              batch(2_000, List.of(envelope("config", true))),
              batch(1_500, envelopes("u", 3)),
              cut(4, 2_500));
      for (int i = 0; i < log.size(); i++) {
        one.applyEntry(i + 1, log.get(i));
        two.applyEntry(i + 1, log.get(i));
      }

      assertThat(a.height()).isEqualTo(b.height()).isEqualTo(5);
      for (long number = 1; number < a.height(); number++) {
        Block x = a.get(number).orElseThrow();
        Block y = b.get(number).orElseThrow();
        assertThat(x.getHeader()).isEqualTo(y.getHeader());
        assertThat(x.getData()).isEqualTo(y.getData());
        assertThat(position(x)).isEqualTo(position(y));
      }
      assertThat(ChainCheck.follows(a.get(1).orElseThrow(), a.get(2).orElseThrow())).isEmpty();
      SignatureVerifier verifier = new SignatureVerifier(0);
      BlockSignatures.Signed signed = BlockSignatures.signatures(b.last().orElseThrow()).get(0);
      assertThat(signed.creator()).isEqualTo(second.serializedIdentity());
      assertThat(
              verifier.verify(
                  second.certificate().getPublicKey(), signed.message(), signed.signature()))
          .isTrue();
      assertThat(
              verifier.verify(
                  first.certificate().getPublicKey(), signed.message(), signed.signature()))
          .isFalse();
    }
  }

  @Test
  void block_time_is_the_latest_entry_time_and_never_goes_back() throws Exception {
    try (BlockStore blocks = store("a")) {
      BlockCutter cutter = cutter(blocks, first, 2, 1 << 20);

      cutter.applyEntry(1, batch(5_000, envelopes("t", 2)));
      cutter.applyEntry(2, batch(3_000, envelopes("u", 2)));
      cutter.applyEntry(3, batch(9_000, envelopes("v", 1)));
      cutter.applyEntry(4, cut(3, 8_000));

      assertThat(position(blocks.get(1).orElseThrow()).getBlockTimeMillis()).isEqualTo(5_000);
      assertThat(position(blocks.get(2).orElseThrow()).getBlockTimeMillis()).isEqualTo(5_000);
      assertThat(position(blocks.get(3).orElseThrow()).getBlockTimeMillis()).isEqualTo(9_000);
    }
  }

  @Test
  void an_orderer_restarting_from_its_blocks_resumes_mid_entry_without_losing_or_repeating()
      throws Exception {
    List<OrderingEntry> log =
        List.of(
            batch(1_000, envelopes("t", 5)),
            batch(2_000, envelopes("u", 4)),
            cut(4, 3_000),
            batch(4_000, envelopes("v", 2)));
    List<Block> uninterrupted;
    try (BlockStore blocks = store("whole")) {
      BlockCutter cutter = cutter(blocks, first, 3, 1 << 20);
      for (int i = 0; i < log.size(); i++) {
        cutter.applyEntry(i + 1, log.get(i));
      }
      cutter.applyEntry(log.size() + 1, cut(5, 5_000));
      uninterrupted = all(blocks);
    }

    try (BlockStore blocks = store("restarted")) {
      BlockCutter before = cutter(blocks, first, 3, 1 << 20);
      before.applyEntry(1, log.get(0));
      before.applyEntry(2, log.get(1));
      // Stopped here: block 1 holds t0-t2, block 2 holds t3, t4, u0; u1..u3 were pending.
      BlockCutter after = cutter(blocks, first, 3, 1 << 20);
      // Raft replays its log from wherever its own snapshot was: here, from the start.
      for (int i = 0; i < log.size(); i++) {
        after.applyEntry(i + 1, log.get(i));
      }
      after.applyEntry(log.size() + 1, cut(5, 5_000));

      List<Block> resumed = all(blocks);
      assertThat(resumed).hasSameSizeAs(uninterrupted);
      for (int i = 0; i < resumed.size(); i++) {
        assertThat(resumed.get(i).getHeader()).isEqualTo(uninterrupted.get(i).getHeader());
      }
    }
  }

  private BlockStore store(String name) throws Exception {
    BlockStore store = BlockStore.open(directory.resolve(name));
    store.append(genesis());
    return store;
  }

  private static BlockCutter cutter(
      BlockStore blocks, NodeSigner signer, int maxTransactions, long maxBytes) throws Exception {
    return new BlockCutter(
        signer.mspId(),
        blocks,
        signer,
        new BlockCutting(maxTransactions, maxBytes, Duration.ofSeconds(1)),
        rules(0, maxTransactions),
        new TestJudge(maxTransactions));
  }

  /**
   * Judges the test's unsigned config envelopes: one whose id starts with "refused" does not apply;
   * "shrink" sets blocks of two transactions; any other applies unchanged.
   */
  private record TestJudge(int maxTransactions) implements BlockCutter.ConfigJudge {
    @Override
    public ConfigUpdateCheck.Verdict judge(
        ByteString envelope, LedgerRules current, Optional<Instant> blockTime) {
      String id = txId(envelope);
      if (id.startsWith("refused")) {
        return new ConfigUpdateCheck.Verdict(Optional.empty(), "refused by the test");
      }
      return new ConfigUpdateCheck.Verdict(
          Optional.of(rules(current.sequence() + 1, id.startsWith("shrink") ? 2 : maxTransactions)),
          "");
    }

    @Override
    public LedgerRules configOf(Block configBlock) {
      String id = txId(configBlock.getData().getData(0));
      return rules(7, id.startsWith("shrink") ? 2 : maxTransactions);
    }

    private static String txId(ByteString envelope) {
      try {
        return ChannelHeader.parseFrom(
                Payload.parseFrom(Envelope.parseFrom(envelope).getPayload())
                    .getHeader()
                    .getChannelHeader())
            .getTxId();
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** A genesis block in Fabric's form, for the rules of {@link #rules} at sequence 0. */
  private static Block genesis() throws Exception {
    return Blocks.genesis(
        List.of(
            ConfigEnvelopes.wrap(
                    Envelope.parseFrom(envelope("genesis", true)),
                    ChannelTrees.encode(rules(0, 100).config()))
                .toByteString()));
  }

  /** Real rules for a one-orderer ledger whose authority is the first orderer's certificate. */
  private static LedgerRules rules(long sequence, int maxTransactions) {
    ByteString pem = ByteString.copyFromUtf8(Pem.certificate(first.certificate()));
    try {
      return LedgerRules.of(
          LedgerConfig.newBuilder()
              .setFormatVersion(LedgerRules.FORMAT_VERSION)
              .setLedgerId("trade")
              .setSequence(sequence)
              .addMembers(
                  Member.newBuilder()
                      .setOrganization("Orderers")
                      .setMspId("OrderersMSP")
                      .addRootCertificates(pem))
              .addOrderers(
                  Orderer.newBuilder()
                      .setNodeId("orderer0")
                      .setMspId("OrderersMSP")
                      .setHost("127.0.0.1")
                      .setPort(1)
                      .setRaftPort(2)
                      .setSigningCertificate(pem)
                      .setTlsCertificate(pem))
              .setEndorsementPolicy(
                  EndorsementPolicy.newBuilder().setRule(EndorsementPolicy.Rule.MAJORITY))
              .setBlockCutting(
                  io.patchwork.node.config.proto.BlockCutting.newBuilder()
                      .setMaxTransactions(maxTransactions)
                      .setMaxBytes(1 << 20)
                      .setTimeoutMillis(1_000))
              .build());
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
  }

  private static List<Block> all(BlockStore blocks) throws Exception {
    List<Block> all = new ArrayList<>();
    for (long number = 0; number < blocks.height(); number++) {
      all.add(blocks.get(number).orElseThrow());
    }
    return all;
  }

  private static OrdererPosition position(Block block) throws Exception {
    return OrdererPosition.parseFrom(
        BlockSignatures.ordererMetadata(block).orElseThrow().getConsenterMetadata());
  }

  private static OrderingEntry batch(long timeMillis, List<ByteString> envelopes) {
    return OrderingEntry.newBuilder()
        .setBatch(EnvelopeBatch.newBuilder().addAllEnvelopes(envelopes).setTimeMillis(timeMillis))
        .build();
  }

  private static OrderingEntry cut(long blockNumber, long timeMillis) {
    return OrderingEntry.newBuilder()
        .setCut(Cut.newBuilder().setBlockNumber(blockNumber).setTimeMillis(timeMillis))
        .build();
  }

  private static List<ByteString> envelopes(String prefix, int count) {
    List<ByteString> envelopes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      envelopes.add(envelope(prefix + i, false));
    }
    return envelopes;
  }

  private static ByteString envelope(String id, boolean config) {
    ChannelHeader header =
        ChannelHeader.newBuilder()
            .setType(HeaderType.ENDORSER_TRANSACTION_VALUE)
            .setChannelId("trade")
            .setTxId(id)
            .build();
    Payload payload =
        config
            ? ConfigEnvelopes.payload(
                header, SignatureHeader.getDefaultInstance(), ByteString.copyFromUtf8(id))
            : Payload.newBuilder()
                .setHeader(Header.newBuilder().setChannelHeader(header.toByteString()))
                .setData(ByteString.copyFrom(id, StandardCharsets.UTF_8))
                .build();
    return Envelope.newBuilder()
        .setPayload(payload.toByteString())
        .setSignature(ByteString.copyFromUtf8("sig-" + id))
        .build()
        .toByteString();
  }

  private static NodeSigner signer(String name) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair key = generator.generateKeyPair();
    X500Principal subject = new X500Principal("CN=" + name + ", O=Orderers");
    Instant now = Instant.now();
    X509Certificate certificate =
        new JcaX509CertificateConverter()
            .getCertificate(
                new JcaX509v3CertificateBuilder(
                        subject,
                        BigInteger.ONE,
                        Date.from(now.minusSeconds(60)),
                        Date.from(now.plusSeconds(3600)),
                        subject,
                        key.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    return NodeSigner.of("OrderersMSP", certificate, key.getPrivate());
  }
}
