package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.patchwork.ca.Role;
import io.patchwork.node.channel.ChannelTrees;
import io.patchwork.node.channel.FabricChannel;
import io.patchwork.node.config.proto.BlockCutting;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Member;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.Peer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.EndorseException;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.client.identity.X509Identity;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockData;
import org.hyperledger.fabric.protos.common.BlockHeader;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Config;
import org.hyperledger.fabric.protos.common.ConfigEnvelope;
import org.hyperledger.fabric.protos.common.ConfigGroup;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.orderer.BatchTimeout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A channel of an existing Fabric network — its config block and its organisations' own certificate
 * authorities, laid out as Fabric's tools make them — brought into a new Patchwork ledger: the same
 * MSP ids, and the identities those organisations already hold submit through the official Fabric
 * Gateway client.
 */
@Tag("cluster")
class FabricImportTest {
  @TempDir Path directory;

  @Test
  void a_fabric_channels_organisations_keep_their_msp_ids_and_their_identities_transact()
      throws Exception {
    FabricOrganization org1 = FabricOrganization.create("Org1MSP", "org1.example.com");
    FabricOrganization org2 = FabricOrganization.create("Org2MSP", "org2.example.com");
    FabricChannel channel = ChannelTrees.readConfigBlock(fabricConfigBlock(org1, org2));
    assertThat(channel.organizations())
        .extracting(FabricChannel.Organization::mspId)
        .containsExactly("Org1MSP", "Org2MSP");
    assertThat(channel.batch().timeout()).isEqualTo(Duration.ofSeconds(2));

    Cluster.run(
        directory,
        Cluster.options()
            .organizations(0)
            .importing(channel.organizations())
            .orderers(1)
            .blocks(100, Duration.ofMillis(20)),
        cluster -> {
          assertThat(cluster.config().getMembersList())
              .extracting(Member::getMspId)
              .containsExactly("Org1MSP", "Org2MSP");
          // The config keeps CRLs DER, whatever encoding the Fabric config used.
          assertThat(cluster.config().getMembers(1).getCrlsList())
              .containsSubsequence(org2.crls())
              .allSatisfy(crl -> assertThat(crl.byteAt(0)).isEqualTo((byte) 0x30));
          Cluster.Client admin = org1.user("Admin", Role.ADMIN);
          Contract token =
              cluster.gateway(admin, "peer0").getNetwork("trade").getContract("ledger-token");
          token.submitTransaction("issue", "Org1MSP", "100");
          cluster.awaitHeight(
              cluster.ledger().peer("peer0").ledger().height(), Duration.ofSeconds(20));
          Cluster.Client user = org2.user("User1", Role.CLIENT);
          Contract asUser =
              cluster.gateway(user, "peer1").getNetwork("trade").getContract("ledger-token");
          assertThat(
                  new String(
                      asUser.evaluateTransaction("balance", "Org1MSP"), StandardCharsets.UTF_8))
              .contains("100");

          // Org1's certificate claiming Org2's MSP: Fabric's rule, it chains to Org1's root only.
          Gateway posing =
              Gateway.newInstance()
                  .identity(
                      new X509Identity("Org2MSP", admin.signing().certificate().certificate()))
                  .signer(Signers.newPrivateKeySigner(admin.signing().privateKey()))
                  .connection(cluster.channel(admin, "peer0"))
                  .endorseOptions(o -> o.withDeadlineAfter(30, TimeUnit.SECONDS))
                  .connect();
          try {
            assertThatThrownBy(
                    () ->
                        posing
                            .getNetwork("trade")
                            .getContract("ledger-token")
                            .submitTransaction("issue", "Org2MSP", "5"))
                .isInstanceOfSatisfying(
                    EndorseException.class,
                    e ->
                        assertThat(e.getDetails())
                            .anySatisfy(
                                detail ->
                                    assertThat(detail.getMessage())
                                        .contains("does not chain to a root that MSP lists")));
          } finally {
            posing.close();
          }
          cluster.assertBlocksDecodeAsFabric();
        });
  }

  /**
   * A Fabric channel's config block as {@code peer channel fetch config} saves it: one CONFIG
   * envelope with the channel config, two organisations with their own CAs, Fabric's {@code 2s}
   * batch timeout.
   */
  private static Block fabricConfigBlock(FabricOrganization... organizations) throws Exception {
    LedgerConfig.Builder config =
        LedgerConfig.newBuilder()
            .setLedgerId("mychannel")
            .setSequence(3)
            .setEndorsementPolicy(
                EndorsementPolicy.newBuilder().setRule(EndorsementPolicy.Rule.MAJORITY))
            .setBlockCutting(
                BlockCutting.newBuilder()
                    .setMaxTransactions(10)
                    .setMaxBytes(99 * 1024 * 1024)
                    .setTimeoutMillis(2000));
    for (FabricOrganization organization : organizations) {
      config.addMembers(
          Member.newBuilder()
              .setOrganization(organization.domain)
              .setMspId(organization.mspId)
              .addRootCertificates(organization.caPem())
              // One organisation's CRLs PEM-encoded, as configtxgen copies them from crls/.
              .addAllCrls(
                  organization == organizations[1] ? organization.pemCrls() : organization.crls())
              .addTlsRootCertificates(organization.tlsCaPem()));
      config.addPeers(
          Peer.newBuilder()
              .setNodeId("peer0")
              .setMspId(organization.mspId)
              .setHost("peer0." + organization.domain)
              .setPort(7051));
    }
    config.addOrderers(
        Orderer.newBuilder()
            .setMspId(organizations[0].mspId)
            .setHost("orderer.example.com")
            .setPort(7050)
            .setTlsCertificate(ByteString.copyFromUtf8("orderer tls")));
    Config tree = ChannelTrees.encode(config.build());
    ConfigGroup orderer = tree.getChannelGroup().getGroupsOrThrow("Orderer");
    ConfigGroup fabricTimeout =
        orderer.toBuilder()
            .putValues(
                "BatchTimeout",
                orderer.getValuesOrThrow("BatchTimeout").toBuilder()
                    .setValue(BatchTimeout.newBuilder().setTimeout("2s").build().toByteString())
                    .build())
            .build();
    tree =
        tree.toBuilder()
            .setChannelGroup(tree.getChannelGroup().toBuilder().putGroups("Orderer", fabricTimeout))
            .build();
    Payload payload =
        Payload.newBuilder()
            .setHeader(
                Header.newBuilder()
                    .setChannelHeader(
                        ChannelHeader.newBuilder()
                            .setType(HeaderType.CONFIG_VALUE)
                            .setChannelId("mychannel")
                            .build()
                            .toByteString()))
            .setData(ConfigEnvelope.newBuilder().setConfig(tree).build().toByteString())
            .build();
    return Block.newBuilder()
        .setHeader(BlockHeader.newBuilder().setNumber(7))
        .setData(
            BlockData.newBuilder()
                .addData(
                    Envelope.newBuilder()
                        .setPayload(payload.toByteString())
                        .build()
                        .toByteString()))
        .build();
  }
}
