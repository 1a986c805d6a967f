package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.crypto.Sha256;
import io.patchwork.node.host.NodeCommand;
import io.patchwork.node.host.NodeFiles;
import io.patchwork.node.net.NodeTransport;
import io.patchwork.node.peer.SnapshotCheck;
import io.patchwork.node.state.proto.SnapshotRecord;
import io.patchwork.node.state.proto.SnapshotTrailer;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.protos.common.Block;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new peer checks the snapshot it is handed against the chain the orderers signed and the state
 * hash the members' peers sign, and starts from nothing else.
 */
@Tag("cluster")
class SnapshotCheckTest {
  @TempDir Path directory;

  @Test
  void a_snapshot_is_taken_only_when_chain_config_and_the_members_peers_agree_with_it()
      throws Exception {
    Cluster.run(
        directory,
        Cluster.options().organizations(3).orderers(1).blocks(10, Duration.ofMillis(20)),
        cluster -> {
          Contract token = cluster.token(cluster.admin("BankAMSP"));
          token.submitTransaction("issue", "BankAMSP", "1000");
          token.submitTransaction("transfer", "BankAMSP", "BankBMSP", "10");
          Path good = directory.resolve("good.snapshot");
          long height = cluster.ledger().peer("peer0").ledger().exportSnapshot(good).height();
          cluster.awaitHeight(height + 1, Duration.ofSeconds(10));
          SnapshotCheck.Context context = context(cluster, Duration.ofSeconds(10));
          Block genesis = cluster.ledger().genesis();

          SnapshotCheck.Vouched vouched = SnapshotCheck.check(good, genesis, context);
          assertThat(vouched.blockNumber()).isEqualTo(height);
          assertThat(vouched.members()).containsExactly("BankAMSP", "BankBMSP", "BankCMSP");
          assertThat(vouched.needed()).isEqualTo(2);

          // The snapshot's block is not the one the orderers signed at its height.
          Path forgedBlock =
              rewrite(
                  good,
                  "forged-block",
                  record ->
                      record.hasHeader()
                          ? header(
                              record,
                              anchor ->
                                  anchor.toBuilder()
                                      .setHeader(
                                          anchor.getHeader().toBuilder()
                                              .setDataHash(ByteString.copyFrom(new byte[32])))
                                      .build())
                          : record);
          assertRefused(forgedBlock, genesis, context, SnapshotCheck.Code.SNAPSHOT_NOT_ON_CHAIN);

          // A config the chain never led to: one more member slipped into the state.
          Path forgedConfig =
              rewrite(
                  good,
                  "forged-config",
                  record -> {
                    if (!record.hasEntry() || !record.getEntry().getKey().equals("config")) {
                      return record;
                    }
                    LedgerConfig config = parse(record.getEntry().getValue());
                    LedgerConfig more =
                        config.toBuilder()
                            .addMembers(
                                config.getMembers(0).toBuilder().setMspId("IntruderMSP").build())
                            .build();
                    return record.toBuilder()
                        .setEntry(record.getEntry().toBuilder().setValue(more.toByteString()))
                        .build();
                  });
          assertRefused(
              forgedConfig, genesis, context, SnapshotCheck.Code.SNAPSHOT_CONFIG_MISMATCH);

          // A state hash no member's peer signed.
          Path forgedState =
              rewrite(
                  good,
                  "forged-state",
                  record ->
                      record.hasHeader()
                          ? record.toBuilder()
                              .setHeader(
                                  record.getHeader().toBuilder()
                                      .setStateHash(ByteString.copyFrom(new byte[32])))
                              .build()
                          : record);
          assertRefused(forgedState, genesis, context, SnapshotCheck.Code.STATE_DISPUTED);

          // `node run` refuses it before anything is written to the new peer's data directory.
          Path files = directory.resolve("own-peer");
          cluster.ledger().writeNodeFiles("peer2", files);
          Path data = directory.resolve("own-peer-data");
          StringWriter err = new StringWriter();
          int exit =
              NodeCommand.execute(
                  new PrintWriter(new StringWriter()),
                  new PrintWriter(err, true),
                  "run",
                  "--genesis",
                  files.resolve(NodeFiles.GENESIS).toString(),
                  "--node-id",
                  "bankb-own",
                  "--port",
                  "0",
                  "--msp",
                  files.resolve(NodeFiles.MSP).toString(),
                  "--tls",
                  files.resolve(NodeFiles.TLS).toString(),
                  "--data-dir",
                  data.toString(),
                  "--bind",
                  "127.0.0.1",
                  "--snapshot",
                  forgedState.toString());
          assertThat(exit).isEqualTo(1);
          assertThat(err.toString()).contains("STATE_DISPUTED").contains("peer0 of BankAMSP");
          assertThat(data).doesNotExist();

          // A genesis block that holds no config: there is no chain to check the snapshot on.
          Block empty = Block.newBuilder().setHeader(genesis.getHeader()).build();
          assertRefused(good, empty, context, SnapshotCheck.Code.CHAIN_INVALID);

          // With two of the three members' peers down, the one left is not the majority of
          // members that must vouch for the state.
          SnapshotCheck.Context shortWait = context(cluster, Duration.ofSeconds(2));
          cluster.ledger().stopPeer("peer1");
          cluster.ledger().stopPeer("peer2");
          assertThatThrownBy(() -> SnapshotCheck.check(good, genesis, shortWait))
              .isInstanceOfSatisfying(
                  SnapshotCheck.Refused.class,
                  refused -> {
                    assertThat(refused.code()).isEqualTo(SnapshotCheck.Code.STATE_NOT_VOUCHED);
                    assertThat(refused.getMessage())
                        .contains("1 of the ledger's 3")
                        .contains("BankCMSP");
                  });

          // With the orderer gone the chain cannot be had, and the check says so in time.
          cluster.ledger().stopOrderer(cluster.ledger().ordererIds().get(0));
          assertRefused(good, genesis, shortWait, SnapshotCheck.Code.CHAIN_UNAVAILABLE);
        });
  }

  private static SnapshotCheck.Context context(Cluster cluster, Duration timeout) throws Exception {
    Path files = Files.createTempDirectory("snapshot-check");
    Files.delete(files);
    cluster.ledger().writeNodeFiles("peer1", files);
    NodeFiles.Credentials credentials =
        NodeFiles.read(files.resolve(NodeFiles.MSP), files.resolve(NodeFiles.TLS));
    return new SnapshotCheck.Context(
        cluster.ledger().signer("peer1"),
        cluster.ledger().transport(),
        new NodeTransport.TlsIdentity(
            credentials.tlsCertificate(),
            credentials.tlsChain().subList(1, credentials.tlsChain().size()),
            credentials.tlsKey(),
            cluster.ledger().trust()),
        cluster.ledger().verifier(),
        Clock.systemUTC(),
        timeout);
  }

  private static void assertRefused(
      Path snapshot, Block genesis, SnapshotCheck.Context context, SnapshotCheck.Code code) {
    assertThatThrownBy(() -> SnapshotCheck.check(snapshot, genesis, context))
        .isInstanceOfSatisfying(
            SnapshotCheck.Refused.class, refused -> assertThat(refused.code()).isEqualTo(code));
  }

  private static SnapshotRecord header(SnapshotRecord record, UnaryOperator<Block> change)
      throws Exception {
    Block anchor = Block.parseFrom(record.getHeader().getPeerMetadata());
    return record.toBuilder()
        .setHeader(
            record.getHeader().toBuilder().setPeerMetadata(change.apply(anchor).toByteString()))
        .build();
  }

  private static LedgerConfig parse(ByteString bytes) {
    try {
      return LedgerConfig.parseFrom(bytes);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @FunctionalInterface
  private interface RecordChange {
    SnapshotRecord apply(SnapshotRecord record) throws Exception;
  }

  /**
   * A copy of {@code snapshot} with its records changed and its trailer made to match again, as a
   * forger would (the layout is documented in {@code state.proto}).
   */
  private Path rewrite(Path snapshot, String name, RecordChange change) throws Exception {
    List<SnapshotRecord> records = new ArrayList<>();
    try (InputStream in = Files.newInputStream(snapshot)) {
      SnapshotRecord record;
      while ((record = SnapshotRecord.parseDelimitedFrom(in)) != null) {
        records.add(record);
      }
    }
    Path copy = directory.resolve(name + ".snapshot");
    MessageDigest digest = Sha256.newDigest();
    try (OutputStream out = Files.newOutputStream(copy)) {
      for (SnapshotRecord record : records) {
        if (record.hasTrailer()) {
          SnapshotTrailer trailer =
              record.getTrailer().toBuilder()
                  .setSha256(ByteString.copyFrom(digest.digest()))
                  .build();
          SnapshotRecord.newBuilder().setTrailer(trailer).build().writeDelimitedTo(out);
        } else {
          SnapshotRecord changed = change.apply(record);
          digest.update(changed.toByteArray());
          changed.writeDelimitedTo(out);
        }
      }
    }
    return copy;
  }
}
