package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status.Code;
import io.patchwork.ca.RevocationReason;
import io.patchwork.node.block.BlockHashes;
import io.patchwork.node.block.BlockSignatures;
import io.patchwork.node.block.Blocks;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.ConfigTransactions;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.ImportedEntry;
import io.patchwork.node.config.proto.ImportedNamespace;
import io.patchwork.node.config.proto.ImportedState;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.peer.PeerLedger;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.state.StateResources;
import io.patchwork.node.state.WorldState;
import io.patchwork.node.store.BlockStore;
import io.patchwork.node.tx.ConfigEnvelopes;
import io.patchwork.node.update.ConfigChain;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.hyperledger.fabric.client.CommitException;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.EndorseException;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.GatewayException;
import org.hyperledger.fabric.client.SubmitException;
import org.hyperledger.fabric.client.Transaction;
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockData;
import org.hyperledger.fabric.protos.common.BlockMetadata;
import org.hyperledger.fabric.protos.common.BlockMetadataIndex;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Config;
import org.hyperledger.fabric.protos.common.ConfigGroup;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.gateway.PreparedTransaction;
import org.hyperledger.fabric.protos.orderer.BroadcastResponse;
import org.hyperledger.fabric.protos.peer.ChaincodeActionPayload;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a ledger's nodes refuse: identities it does not trust, short endorsements, forged blocks.
 */
@Tag("cluster")
class LedgerSecurityTest {
  @TempDir Path directory;

  static Cluster.Options threeMembers() {
    return Cluster.options()
        .organizations(3)
        .orderers(1)
        .endorsement(EndorsementPolicy.Rule.MAJORITY, 0)
        .blocks(100, Duration.ofMillis(20));
  }

  @Test
  void state_is_imported_in_the_genesis_block_only() throws Exception {
    Cluster.run(
        directory,
        threeMembers(),
        cluster -> {
          LedgerConfig next =
              cluster.config().toBuilder().setSequence(cluster.config().getSequence() + 1).build();
          // Signed by every member's admin, but carrying state: no later config may bring any.
          ConfigUpdate.Builder update = ConfigUpdate.newBuilder().setConfig(next);
          for (String msp : List.of("BankAMSP", "BankBMSP", "BankCMSP")) {
            update.addSignatures(ConfigTransactions.sign(next, Cluster.signer(cluster.admin(msp))));
          }
          update.setImportedState(
              ImportedState.newBuilder()
                  .addNamespaces(
                      ImportedNamespace.newBuilder()
                          .setNamespace("ledger-token")
                          .addEntries(
                              ImportedEntry.newBuilder()
                                  .setKey("balance/BankAMSP")
                                  .setValue(ByteString.copyFromUtf8("1000000")))));
          BroadcastResponse response =
              cluster.broadcast(
                  cluster.admin("BankAMSP"),
                  ConfigTransactions.envelope(
                      update.build(), Cluster.signer(cluster.admin("BankAMSP")), Instant.now()));

          assertThat(response.getStatus()).isEqualTo(Status.BAD_REQUEST);
          assertThat(response.getInfo()).contains("imported in its genesis block only");
          assertThat(cluster.config().getSequence()).isEqualTo(next.getSequence() - 1);
        });
  }

  @Test
  void a_submission_no_orderer_takes_fails_at_once_with_the_orderers_reason() throws Exception {
    Cluster.run(
        directory,
        threeMembers(),
        cluster -> {
          LedgerConfig current = cluster.config();
          // A config that skips sequences and carries no admin signature: refused at Broadcast.
          LedgerConfig next = current.toBuilder().setSequence(current.getSequence() + 5).build();
          Cluster.Client admin = cluster.admin("BankAMSP");
          Envelope envelope =
              ConfigTransactions.envelope(next, List.of(), Cluster.signer(admin), Instant.now());

          assertThatThrownBy(
                  () -> cluster.ledger().submit("peer0", envelope, Duration.ofMinutes(5)))
              .isInstanceOf(IOException.class)
              .hasMessageContaining("the ordering service did not take transaction")
              .hasMessageContaining("BAD_REQUEST");
          assertThat(cluster.ledger().peer("peer0").ledger().rules().sequence())
              .isEqualTo(current.getSequence());
        });
  }

  @Test
  void a_signing_certificate_from_another_authority_cannot_endorse() throws Exception {
    Cluster.run(
        directory,
        threeMembers(),
        cluster -> {
          Contract token = cluster.token(cluster.foreignSigner("BankAMSP", "mallory"));

          assertThatThrownBy(() -> token.submitTransaction("issue", "BankAMSP", "1000000"))
              .isInstanceOfSatisfying(
                  EndorseException.class,
                  e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED));
          assertThat(cluster.ledger().peer("peer0").ledger().height()).isEqualTo(1);
        });
  }

  @Test
  void a_client_presenting_a_tls_certificate_from_another_authority_is_refused_at_the_handshake()
      throws Exception {
    Cluster.run(
        directory,
        threeMembers(),
        cluster -> {
          Contract token = cluster.token(cluster.foreignTls("BankAMSP", "mallory"));

          assertThatThrownBy(() -> token.evaluateTransaction("balance", "BankAMSP"))
              .isInstanceOfSatisfying(
                  GatewayException.class,
                  e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.UNAVAILABLE));
        });
  }

  @Test
  void an_envelope_created_by_a_certificate_from_another_authority_is_refused_by_the_orderer()
      throws Exception {
    Cluster.run(
        directory,
        threeMembers(),
        cluster -> {
          Cluster.Client mallory = cluster.foreignSigner("BankAMSP", "mallory");
          LedgerConfig current = cluster.ledger().config();
          LedgerConfig takeover = current.toBuilder().setSequence(1).clearMembers().build();

          BroadcastResponse response =
              cluster.broadcast(
                  mallory,
                  ConfigTransactions.envelope(
                      takeover, List.of(), Cluster.signer(mallory), Instant.now()));

          assertThat(response.getStatus()).isEqualTo(Status.BAD_REQUEST);
          assertThat(response.getInfo()).contains("creator refused");
        });
  }

  @Test
  void
      once_the_ledger_config_carries_the_authoritys_new_crl_a_revoked_client_can_neither_endorse_nor_submit()
          throws Exception {
    Cluster.run(
        directory,
        threeMembers(),
        cluster -> {
          Cluster.Client alice = cluster.admin("BankAMSP");
          Contract token = cluster.token(alice);
          token.submitTransaction("issue", "BankAMSP", "100");
          Transaction endorsedBefore =
              token
                  .newProposal("transfer")
                  .addArguments("BankAMSP", "BankBMSP", "1")
                  .build()
                  .endorse();

          cluster
              .authority()
              .revoke(alice.signing().certificate().serial(), RevocationReason.KEY_COMPROMISE);
          ByteString crl = ByteString.copyFrom(cluster.authority().crl().getEncoded());
          cluster.updateConfig(
              config -> {
                config.getMembersBuilder(0).clearCrls().addCrls(crl);
                return config;
              });

          assertThatThrownBy(() -> token.submitTransaction("transfer", "BankAMSP", "BankBMSP", "1"))
              .isInstanceOfSatisfying(
                  EndorseException.class,
                  e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED));
          // Endorsed while the certificate was good, submitted after the CRL took effect: the
          // orderers follow the config too, so they refuse it and no peer ever sees it.
          assertThatThrownBy(endorsedBefore::submit)
              .isInstanceOfSatisfying(
                  SubmitException.class,
                  e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Code.ABORTED);
                    assertThat(e.getDetails())
                        .anySatisfy(detail -> assertThat(detail.getMessage()).contains("REVOKED"));
                  });
          cluster.awaitHeight(
              cluster.ledger().peer("peer0").ledger().height(), Duration.ofSeconds(30));
          for (PeerNode peer : cluster.ledger().peers()) {
            assertThat(peer.ledger().state().transaction(endorsedBefore.getTransactionId()))
                .as(peer.nodeId())
                .isEmpty();
          }
        });
  }

  @Test
  void
      a_transaction_carrying_fewer_endorsements_than_the_policy_needs_is_endorsement_policy_failure()
          throws Exception {
    Cluster.run(
        directory,
        threeMembers(),
        cluster -> {
          Cluster.Client treasurer = cluster.admin("BankAMSP");
          Gateway gateway = cluster.gateway(treasurer, "peer0");
          Contract token = gateway.getNetwork("trade").getContract("ledger-token");
          Transaction endorsed =
              token.newProposal("issue").addArguments("BankAMSP", "5").build().endorse();

          PreparedTransaction prepared = PreparedTransaction.parseFrom(endorsed.getBytes());
          Payload payload = Payload.parseFrom(prepared.getEnvelope().getPayload());
          var transaction =
              org.hyperledger.fabric.protos.peer.Transaction.parseFrom(payload.getData());
          ChaincodeActionPayload action =
              ChaincodeActionPayload.parseFrom(transaction.getActions(0).getPayload());
          assertThat(action.getAction().getEndorsementsCount()).isEqualTo(2);
          ChaincodeActionPayload oneEndorsement =
              action.toBuilder()
                  .setAction(action.getAction().toBuilder().removeEndorsements(1))
                  .build();
          ByteString shortPayload =
              payload.toBuilder()
                  .setData(
                      transaction.toBuilder()
                          .setActions(
                              0,
                              transaction.getActions(0).toBuilder()
                                  .setPayload(oneEndorsement.toByteString()))
                          .build()
                          .toByteString())
                  .build()
                  .toByteString();
          PreparedTransaction tampered =
              prepared.toBuilder()
                  .setEnvelope(Envelope.newBuilder().setPayload(shortPayload))
                  .build();
          byte[] signature =
              Signers.newPrivateKeySigner(treasurer.signing().privateKey())
                  .sign(MessageDigest.getInstance("SHA-256").digest(shortPayload.toByteArray()));

          Transaction resigned = gateway.newSignedTransaction(tampered.toByteArray(), signature);

          assertThatThrownBy(resigned::submit)
              .isInstanceOfSatisfying(
                  CommitException.class,
                  e ->
                      assertThat(e.getCode())
                          .isEqualTo(TxValidationCode.ENDORSEMENT_POLICY_FAILURE));
        });
  }

  @Test
  void a_peer_refuses_blocks_whose_data_header_or_orderer_signature_were_tampered_with()
      throws Exception {
    Cluster.run(
        directory,
        threeMembers(),
        cluster -> {
          cluster.token(cluster.admin("BankAMSP")).submitTransaction("issue", "BankAMSP", "7");
          Block original = cluster.ledger().peer("peer0").ledger().blocks().get(1).orElseThrow();

          Block changedData =
              original.toBuilder()
                  .setData(
                      original.getData().toBuilder()
                          .setData(0, flipLastByte(original.getData().getData(0))))
                  .build();
          Block rehashed =
              changedData.toBuilder()
                  .setHeader(
                      changedData.getHeader().toBuilder()
                          .setDataHash(
                              ByteString.copyFrom(BlockHashes.dataHash(changedData.getData()))))
                  .build();
          Block signedByAClient =
              BlockSignatures.sign(
                  rehashed, Cluster.signer(cluster.admin("BankBMSP")), 0, ByteString.EMPTY);

          try (StateResources resources = StateResources.create(8 << 20);
              BlockStore blocks = BlockStore.open(directory.resolve("fresh/blocks"));
              WorldState state = WorldState.open(directory.resolve("fresh/state"), resources);
              PeerLedger fresh =
                  PeerLedger.open(
                      blocks, state, cluster.ledger().genesis(), new SignatureVerifier(1_000))) {
            for (Block forged : List.of(changedData, rehashed, signedByAClient)) {
              assertThatThrownBy(() -> fresh.commit(forged))
                  .isInstanceOf(PeerLedger.BlockRefusedException.class);
              assertThat(fresh.height()).isEqualTo(1);
            }
            fresh.commit(original);
            assertThat(fresh.height()).isEqualTo(2);
            assertThat(fresh.state().stateHash())
                .isEqualTo(cluster.ledger().peer("peer0").ledger().state().stateHash());
          }
        });
  }

  @Test
  void a_config_block_whose_channel_config_is_not_the_one_its_change_leads_to_is_invalid()
      throws Exception {
    Cluster.run(
        directory,
        threeMembers(),
        cluster -> {
          cluster.decide(
              GovernanceProposal.newBuilder()
                  .setChangePolicy(
                      GovernanceProposal.ChangePolicy.newBuilder().setEndorsingOrganizations(3)),
              "BankAMSP",
              "BankBMSP");
          PeerNode peer0 = cluster.ledger().peer("peer0");
          long configAt =
              BlockSignatures.ordererMetadata(
                      peer0.ledger().blocks().get(peer0.ledger().height() - 1).orElseThrow())
                  .orElseThrow()
                  .getLastConfig()
                  .getIndex();
          Block honest = peer0.ledger().blocks().get(configAt).orElseThrow();
          // The orderer's own signature over the member's real decision, but a channel config
          // that leaves Bank C out: what Fabric's tools would read is not what the decision made.
          Block forged = resigned(cluster, honest, withoutOrganization(honest, "BankCMSP"));

          for (Block configBlock : List.of(forged, honest)) {
            boolean isForged = configBlock == forged;
            Path at = directory.resolve(isForged ? "forged" : "honest");
            try (StateResources resources = StateResources.create(8 << 20);
                BlockStore blocks = BlockStore.open(at.resolve("blocks"));
                WorldState state = WorldState.open(at.resolve("state"), resources);
                PeerLedger fresh =
                    PeerLedger.open(
                        blocks, state, cluster.ledger().genesis(), new SignatureVerifier(1_000))) {
              for (long number = 1; number < configAt; number++) {
                fresh.commit(peer0.ledger().blocks().get(number).orElseThrow());
              }
              long sequence = fresh.rules().sequence();
              fresh.commit(configBlock);
              byte code =
                  fresh
                      .blocks()
                      .get(configAt)
                      .orElseThrow()
                      .getMetadata()
                      .getMetadata(BlockMetadataIndex.TRANSACTIONS_FILTER_VALUE)
                      .byteAt(0);
              assertThat(code)
                  .as(isForged ? "the forged config block" : "the honest one")
                  .isEqualTo(
                      (byte)
                          (isForged
                              ? TxValidationCode.INVALID_CONFIG_TRANSACTION_VALUE
                              : TxValidationCode.VALID_VALUE));
              assertThat(fresh.rules().sequence()).isEqualTo(isForged ? sequence : sequence + 1);
            }
          }
        });
  }

  @Test
  void a_genesis_block_whose_channel_config_is_not_its_ledger_configs_does_not_open()
      throws Exception {
    Cluster.run(
        directory,
        threeMembers(),
        cluster -> {
          // The same ledger config inside, but a tree without Bank C for Fabric's tools to read.
          Block forged =
              Blocks.genesis(
                  List.of(
                      withoutOrganization(cluster.ledger().genesis(), "BankCMSP").toByteString()));

          try (StateResources resources = StateResources.create(8 << 20);
              BlockStore blocks = BlockStore.open(directory.resolve("forged/blocks"));
              WorldState state = WorldState.open(directory.resolve("forged/state"), resources)) {
            assertThatThrownBy(
                    () -> PeerLedger.open(blocks, state, forged, new SignatureVerifier(1_000)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("not the Fabric form of its ledger config");
            assertThat(blocks.height()).isZero();
          }
          assertThatThrownBy(() -> ConfigChain.fromGenesis(forged, new SignatureVerifier(1_000)))
              .isInstanceOf(ConfigException.class);
        });
  }

  /**
   * The CONFIG envelope of {@code configBlock} again, the same transaction inside, with its channel
   * tree leaving {@code mspId}'s organisation out of the Application group.
   */
  private static Envelope withoutOrganization(Block configBlock, String mspId) throws Exception {
    Payload payload =
        Payload.parseFrom(Envelope.parseFrom(configBlock.getData().getData(0)).getPayload());
    ConfigEnvelopes.Wrapped wrapped =
        ConfigEnvelopes.unwrap(
                payload, ChannelHeader.parseFrom(payload.getHeader().getChannelHeader()))
            .orElseThrow();
    Config tree = wrapped.tree();
    ConfigGroup.Builder channel = tree.getChannelGroup().toBuilder();
    channel.putGroups(
        "Application",
        channel.getGroupsOrThrow("Application").toBuilder().removeGroups(mspId).build());
    return ConfigEnvelopes.wrap(
        wrapped.submitted().orElseThrow(), tree.toBuilder().setChannelGroup(channel).build());
  }

  /**
   * {@code block} with {@code envelope} as its one transaction, rehashed and signed again by the
   * ledger's orderer as it signed the original.
   */
  private static Block resigned(Cluster cluster, Block block, Envelope envelope) {
    Block changed =
        block.toBuilder().setData(BlockData.newBuilder().addData(envelope.toByteString())).build();
    changed =
        changed.toBuilder()
            .setHeader(
                changed.getHeader().toBuilder()
                    .setDataHash(ByteString.copyFrom(BlockHashes.dataHash(changed.getData()))))
            .build();
    var metadata = BlockSignatures.ordererMetadata(block).orElseThrow();
    return BlockSignatures.sign(
        changed.toBuilder().setMetadata(BlockMetadata.getDefaultInstance()).build(),
        cluster.ledger().signer(cluster.ledger().ordererIds().get(0)),
        metadata.getLastConfig().getIndex(),
        metadata.getConsenterMetadata());
  }

  private static ByteString flipLastByte(ByteString bytes) {
    byte[] copy = bytes.toByteArray();
    copy[copy.length - 1] ^= 1;
    return ByteString.copyFrom(copy);
  }
}
