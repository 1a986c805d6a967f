package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.audit.LedgerArchive;
import io.patchwork.node.block.BlockHashes;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.ConfigTransactions;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.Amount;
import io.patchwork.node.config.proto.AssetSettlement;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.LedgerStatus;
import io.patchwork.node.config.proto.Opening;
import io.patchwork.node.config.proto.OpeningObligation;
import io.patchwork.node.config.proto.SettlementStatement;
import io.patchwork.node.config.proto.SignedSettlementStatement;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.host.NodeCommand;
import io.patchwork.node.opening.InvalidOpeningException;
import io.patchwork.node.opening.OpeningBook;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.settle.ClosingBook;
import io.patchwork.node.settle.Netting;
import io.patchwork.node.settle.SettlementStatements;
import io.patchwork.node.state.TxRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.orderer.BroadcastResponse;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ledger's last block: after the members voted to close, a settlement statement computed from the
 * committed obligations and token holdings, signed by peers of enough members, closes it. Every
 * peer recomputes the statement from its own state; one that says anything else is refused.
 */
@Tag("cluster")
class SettlementLedgerTest {
  @TempDir Path directory;

  @Test
  void a_closing_ledger_ends_with_the_statement_every_peer_computes_itself() throws Exception {
    Cluster.run(
        directory,
        Cluster.options().organizations(4).orderers(1).blocks(20, Duration.ofMillis(20)),
        cluster -> {
          record(cluster, "o1", "BankAMSP", "BankBMSP", "100");
          record(cluster, "o2", "BankBMSP", "BankCMSP", "60");
          record(cluster, "o3", "BankCMSP", "BankAMSP", "10");
          record(cluster, "o4", "BankDMSP", "BankAMSP", "5");
          Contract token = cluster.token(cluster.admin("BankAMSP"));
          token.submitTransaction("issue", "BankAMSP", "50");
          token.submitTransaction("transfer", "BankAMSP", "BankBMSP", "20");

          cluster.decide(
              GovernanceProposal.newBuilder()
                  .setCloseLedger(
                      GovernanceProposal.CloseLedger.newBuilder().setSettlementAsset("EUR")),
              "BankAMSP",
              "BankBMSP",
              "BankCMSP");
          assertThat(cluster.config().getStatus()).isEqualTo(LedgerStatus.CLOSING);
          cluster.awaitHeight(
              cluster.ledger().peers().get(0).ledger().height(), Duration.ofSeconds(30));

          PeerNode peer0 = cluster.ledger().peer("peer0");
          SettlementStatement statement = statementNow(peer0);
          AssetSettlement eur = statement.getAssets(0);
          assertThat(eur.getAsset()).isEqualTo("EUR");
          assertThat(positions(eur))
              .isEqualTo(
                  Map.of("BankAMSP", -85L, "BankBMSP", 40L, "BankCMSP", 50L, "BankDMSP", -5L));
          assertThat(eur.getGross()).isEqualTo("175");
          assertThat(eur.getMoved()).isEqualTo("90");
          assertThat(eur.getTransfersCount()).isLessThanOrEqualTo(3);
          assertThat(statement.getTokenBalancesList())
              .containsExactly(amount("BankAMSP", "30"), amount("BankBMSP", "20"));

          // Peers of two members are not the three a majority of four needs: the orderer refuses.
          BroadcastResponse tooFew =
              cluster.broadcast(
                  cluster.admin("BankAMSP"), closing(cluster, statement, "peer0", "peer1"));
          assertThat(tooFew.getStatus()).isNotEqualTo(Status.SUCCESS);
          assertThat(tooFew.getInfo()).contains("voting threshold needs 3");

          // The statement as every peer computes it, signed by peers of three members.
          long height = peer0.ledger().height();
          Path finalState = directory.resolve("final.snapshot");
          peer0.ledger().exportSnapshot(finalState);
          SettlementStatement honest =
              SettlementStatements.compute(
                  "trade",
                  height,
                  ByteString.copyFrom(
                      BlockHashes.headerHash(
                          peer0.ledger().blocks().last().orElseThrow().getHeader())),
                  peer0.ledger().state().stateHash(),
                  ClosingBook.read(peer0.ledger().state()));
          long closingSequence = cluster.config().getSequence();
          Envelope closing = closing(cluster, honest, "peer0", "peer1", "peer2");
          assertThat(cluster.broadcast(cluster.admin("BankAMSP"), closing).getStatus())
              .isEqualTo(Status.SUCCESS);
          cluster.awaitSequence(closingSequence + 1);
          for (PeerNode peer : cluster.ledger().peers()) {
            assertThat(peer.ledger().rules().status()).isEqualTo(LedgerStatus.CLOSED);
            TxRecord closed = cluster.awaitTransaction(peer, txId(closing));
            assertThat(closed.validationCode()).isEqualTo(TxValidationCode.VALID_VALUE);
            assertThat(closed.blockNumber()).isEqualTo(height);
          }
          // The archive checks offline; any changed byte of a block, the statement or the state
          // does not.
          Path archive = directory.resolve("trade.archive");
          LedgerArchive.write(archive, peer0.ledger(), finalState, cluster.ledger().verifier());
          LedgerArchive.Report report = LedgerArchive.verify(archive, new SignatureVerifier(1000));
          assertThat(report.problem()).isEmpty();
          assertThat(report.blocks()).isEqualTo(height + 1);
          assertThat(report.configChanges()).isEqualTo(2);
          assertTampered(
              archive, LedgerArchive.BLOCKS, false, bytes -> flip(bytes, bytes.length / 2));
          assertTampered(
              archive, LedgerArchive.BLOCKS, true, bytes -> flip(bytes, bytes.length / 2));
          assertTampered(
              archive, LedgerArchive.SNAPSHOT, true, bytes -> flip(bytes, bytes.length / 2));
          assertTampered(
              archive, LedgerArchive.STATEMENT, true, bytes -> flip(bytes, bytes.length - 3));
          assertTampered(archive, LedgerArchive.HISTORY, false, bytes -> flip(bytes, 5));
          StringWriter out = new StringWriter();
          assertThat(
                  NodeCommand.execute(
                      new PrintWriter(out),
                      new PrintWriter(new StringWriter()),
                      "verify-archive",
                      "--archive",
                      archive.toString()))
              .isZero();
          assertThat(out.toString()).contains("verified: ledger trade");

          // Closed: nothing more is ordered, not even another statement.
          BroadcastResponse after =
              cluster.broadcast(
                  cluster.admin("BankAMSP"), closing(cluster, honest, "peer0", "peer1", "peer2"));
          assertThat(after.getStatus()).isNotEqualTo(Status.SUCCESS);
          cluster.assertBlocksDecodeAsFabric();
        });
  }

  @Test
  void a_statement_that_is_not_what_the_state_gives_is_refused_by_every_peer() throws Exception {
    Cluster.run(
        directory,
        Cluster.options().organizations(3).orderers(1).blocks(20, Duration.ofMillis(20)),
        cluster -> {
          record(cluster, "o1", "BankAMSP", "BankBMSP", "100");
          cluster.decide(
              GovernanceProposal.newBuilder()
                  .setCloseLedger(
                      GovernanceProposal.CloseLedger.newBuilder().setSettlementAsset("EUR")),
              "BankAMSP",
              "BankBMSP");
          cluster.awaitHeight(
              cluster.ledger().peers().get(0).ledger().height(), Duration.ofSeconds(30));
          PeerNode peer0 = cluster.ledger().peer("peer0");
          SettlementStatement honest = statementNow(peer0);
          // Signed by enough peers, but B's position moved to A: ordered, then refused by every
          // peer, each of which computes the statement from its own state. The ledger stays
          // CLOSING: members cannot close it on a statement the state does not give.
          SettlementStatement forged =
              honest.toBuilder()
                  .setAssets(
                      0,
                      honest.getAssets(0).toBuilder()
                          .setPositions(0, amount("BankAMSP", "-99"))
                          .setPositions(1, amount("BankBMSP", "99")))
                  .build();
          Envelope envelope = closing(cluster, forged, "peer0", "peer1");
          assertThat(cluster.broadcast(cluster.admin("BankAMSP"), envelope).getStatus())
              .isEqualTo(Status.SUCCESS);
          for (PeerNode peer : cluster.ledger().peers()) {
            TxRecord refused = cluster.awaitTransaction(peer, txId(envelope));
            assertThat(refused.validationCode())
                .isEqualTo(TxValidationCode.INVALID_CONFIG_TRANSACTION_VALUE);
            assertThat(peer.ledger().rules().status()).isEqualTo(LedgerStatus.CLOSING);
          }
          cluster.assertBlocksDecodeAsFabric();
        });
  }

  /**
   * Rewrites one entry of the archive (and, with {@code manifest}, its hash in the manifest, as a
   * forger would) and checks verification fails.
   */
  private void assertTampered(
      Path archive, String entry, boolean manifest, UnaryOperator<byte[]> change) throws Exception {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(archive))) {
      ZipEntry next;
      while ((next = zip.getNextEntry()) != null) {
        entries.put(next.getName(), zip.readAllBytes());
      }
    }
    entries.put(entry, change.apply(entries.get(entry).clone()));
    if (manifest) {
      com.fasterxml.jackson.databind.ObjectMapper json =
          new com.fasterxml.jackson.databind.ObjectMapper();
      com.fasterxml.jackson.databind.node.ObjectNode manifestNode =
          (com.fasterxml.jackson.databind.node.ObjectNode)
              json.readTree(entries.get(LedgerArchive.MANIFEST));
      ((com.fasterxml.jackson.databind.node.ObjectNode) manifestNode.get("sha256"))
          .put(
              entry,
              HexFormat.of()
                  .formatHex(MessageDigest.getInstance("SHA-256").digest(entries.get(entry))));
      entries.put(LedgerArchive.MANIFEST, json.writeValueAsBytes(manifestNode));
    }
    Path forged = directory.resolve("forged-" + entry + "-" + manifest + ".archive");
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(forged))) {
      for (var e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue());
        zip.closeEntry();
      }
    }
    LedgerArchive.Report report = LedgerArchive.verify(forged, new SignatureVerifier(1000));
    assertThat(report.verified()).as(entry + " changed, manifest updated: " + manifest).isFalse();
  }

  private static byte[] flip(byte[] bytes, int index) {
    bytes[index] ^= 0x01;
    return bytes;
  }

  @Test
  void a_successor_opens_with_what_its_predecessor_closed_with() throws Exception {
    // The predecessor closed with: A owes B 100, B owes C 60, C owes A 10, D owes A 5 (positions
    // A -85, B +40, C +50, D -5), and token holdings A 30, B 20.
    ClosingBook closed =
        new ClosingBook(
            Map.of(
                "EUR",
                List.of(
                    new Netting.Obligation("BankAMSP", "BankBMSP", BigInteger.valueOf(100)),
                    new Netting.Obligation("BankBMSP", "BankCMSP", BigInteger.valueOf(60)),
                    new Netting.Obligation("BankCMSP", "BankAMSP", BigInteger.valueOf(10)),
                    new Netting.Obligation("BankDMSP", "BankAMSP", BigInteger.valueOf(5)))),
            Map.of("BankAMSP", BigInteger.valueOf(30), "BankBMSP", BigInteger.valueOf(20)));
    SettlementStatement statement =
        SettlementStatements.compute(
            "trade-2026-q1", 42, ByteString.copyFrom(new byte[32]), ByteString.EMPTY, closed);
    SignedSettlementStatement signed =
        SignedSettlementStatement.newBuilder().setStatement(statement.toByteString()).build();
    Opening opening = OpeningBook.carryOver(signed);
    assertThat(opening.getPredecessorLedgerId()).isEqualTo("trade-2026-q1");
    assertThat(opening.getPredecessorStatementSha256())
        .isEqualTo(OpeningBook.sha256(signed.toByteString()));
    assertThat(opening.getObligationsCount())
        .isEqualTo(statement.getAssets(0).getTransfersCount())
        .isLessThanOrEqualTo(3);

    Cluster.run(
        directory,
        Cluster.options()
            .organizations(4)
            .orderers(1)
            .blocks(20, Duration.ofMillis(20))
            .opening(opening),
        cluster -> {
          assertThat(cluster.config().getOpening()).isEqualTo(opening);
          // Every peer wrote the same opening state at block 0.
          ByteString stateHash = cluster.ledger().peers().get(0).ledger().state().stateHash();
          for (PeerNode peer : cluster.ledger().peers()) {
            assertThat(peer.ledger().state().stateHash()).isEqualTo(stateHash);
          }
          Contract obligations =
              cluster
                  .gateway(cluster.admin("BankAMSP"), "peer0")
                  .getNetwork("trade")
                  .getContract("obligations");
          assertThat(
                  new String(
                      obligations.evaluateTransaction("positions", "EUR"), StandardCharsets.UTF_8))
              .isEqualTo(
                  "{\"BankAMSP\":\"-85\",\"BankBMSP\":\"40\",\"BankCMSP\":\"50\","
                      + "\"BankDMSP\":\"-5\"}");
          Contract token = cluster.token(cluster.admin("BankBMSP"));
          assertThat(
                  new String(
                      token.evaluateTransaction("balance", "BankAMSP"), StandardCharsets.UTF_8))
              .isEqualTo("30");
          // The carried balances are real: B spends from its.
          token.submitTransaction("transfer", "BankBMSP", "BankCMSP", "15");
          // New business adds to the carried positions: C owes D 7.
          record(cluster, "n1", "BankCMSP", "BankDMSP", "7");
          SettlementStatement next = statementNow(cluster.ledger().peer("peer0"));
          assertThat(positions(next.getAssets(0)))
              .isEqualTo(
                  Map.of("BankAMSP", -85L, "BankBMSP", 40L, "BankCMSP", 43L, "BankDMSP", 2L));
          assertThat(next.getTokenBalancesList())
              .containsExactly(
                  amount("BankAMSP", "30"), amount("BankBMSP", "5"), amount("BankCMSP", "15"));

          // The opening is fixed: a config update that changes it is refused.
          assertThatThrownBy(
                  () ->
                      cluster.updateConfig(
                          config -> config.setOpening(Opening.getDefaultInstance())))
              .hasMessageContaining("opening is fixed at genesis");

          // A genesis config whose opening names a stranger is no valid genesis.
          Opening stranger =
              opening.toBuilder()
                  .setObligations(
                      0, opening.getObligations(0).toBuilder().setCreditorMspId("StrangerMSP"))
                  .build();
          assertThatThrownBy(
                  () ->
                      LedgerRules.of(
                          cluster.config().toBuilder().setSequence(0).setOpening(stranger).build()))
              .isInstanceOfSatisfying(
                  ConfigException.class,
                  e -> assertThat(e.code()).isEqualTo(ConfigException.Code.INVALID_OPENING));
          cluster.assertBlocksDecodeAsFabric();
        });
  }

  @Test
  void an_opening_that_names_a_stranger_is_not_a_valid_genesis() {
    Opening opening =
        Opening.newBuilder()
            .setPredecessorLedgerId("trade-2026-q1")
            .addObligations(
                OpeningObligation.newBuilder()
                    .setId("opening-EUR-0")
                    .setDebtorMspId("BankAMSP")
                    .setCreditorMspId("StrangerMSP")
                    .setAsset("EUR")
                    .setAmount("5"))
            .build();
    assertThatThrownBy(() -> OpeningBook.check(opening, Set.of("BankAMSP", "BankBMSP")))
        .isInstanceOf(InvalidOpeningException.class)
        .hasMessageContaining("must be between two different members");
    Opening negative =
        Opening.newBuilder()
            .addTokenBalances(Amount.newBuilder().setMspId("BankAMSP").setAmount("-1"))
            .build();
    assertThatThrownBy(() -> OpeningBook.check(negative, Set.of("BankAMSP")))
        .hasMessageContaining("negative");
  }

  /** The statement peer0 computes from its state now. */
  private static SettlementStatement statementNow(PeerNode peer0) {
    return SettlementStatements.compute(
        "trade",
        peer0.ledger().height(),
        ByteString.copyFrom(
            BlockHashes.headerHash(peer0.ledger().blocks().last().orElseThrow().getHeader())),
        peer0.ledger().state().stateHash(),
        ClosingBook.read(peer0.ledger().state()));
  }

  private static void record(
      Cluster cluster, String id, String debtor, String creditor, String amount) throws Exception {
    Contract debtorSide =
        cluster
            .gateway(cluster.admin(debtor), "peer0")
            .getNetwork("trade")
            .getContract("obligations");
    debtorSide.submitTransaction("record", id, debtor, creditor, "EUR", amount);
    Contract creditorSide =
        cluster
            .gateway(cluster.admin(creditor), "peer0")
            .getNetwork("trade")
            .getContract("obligations");
    creditorSide.submitTransaction("accept", id);
  }

  /** The config transaction closing the ledger with the statement signed by the given peers. */
  private static Envelope closing(Cluster cluster, SettlementStatement statement, String... peers) {
    List<NodeSigner> signers = Arrays.stream(peers).map(id -> cluster.ledger().signer(id)).toList();
    ConfigUpdate update =
        ConfigUpdate.newBuilder()
            .setConfig(
                cluster.config().toBuilder()
                    .setSequence(cluster.config().getSequence() + 1)
                    .setStatus(LedgerStatus.CLOSED))
            .setStatement(SettlementStatements.sign(statement, signers))
            .build();
    return ConfigTransactions.envelope(update, cluster.ledger().signer(peers[0]), Instant.now());
  }

  private static String txId(Envelope envelope) throws InvalidProtocolBufferException {
    return ChannelHeader.parseFrom(
            Payload.parseFrom(envelope.getPayload()).getHeader().getChannelHeader())
        .getTxId();
  }

  private static Map<String, Long> positions(AssetSettlement asset) {
    Map<String, Long> positions = new TreeMap<>();
    asset
        .getPositionsList()
        .forEach(p -> positions.put(p.getMspId(), new BigInteger(p.getAmount()).longValueExact()));
    return positions;
  }

  private static Amount amount(String mspId, String amount) {
    return Amount.newBuilder().setMspId(mspId).setAmount(amount).build();
  }
}
