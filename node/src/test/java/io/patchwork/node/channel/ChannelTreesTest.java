package io.patchwork.node.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.patchwork.ca.AuthoritySpec;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Pem;
import io.patchwork.node.channel.FabricChannel.Endpoint;
import io.patchwork.node.channel.FabricChannel.Rule;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.proto.BlockCutting;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Member;
import io.patchwork.node.config.proto.ModificationPolicy;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.Peer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.hyperledger.fabric.protos.common.Config;
import org.hyperledger.fabric.protos.common.ConfigGroup;
import org.hyperledger.fabric.protos.common.ImplicitMetaPolicy;
import org.hyperledger.fabric.protos.common.MSPPrincipal;
import org.hyperledger.fabric.protos.common.MSPRole;
import org.hyperledger.fabric.protos.common.Policy;
import org.hyperledger.fabric.protos.common.SignaturePolicyEnvelope;
import org.hyperledger.fabric.protos.msp.FabricMSPConfig;
import org.hyperledger.fabric.protos.msp.MSPConfig;
import org.hyperledger.fabric.protos.orderer.BatchSize;
import org.hyperledger.fabric.protos.orderer.BatchTimeout;
import org.hyperledger.fabric.protos.orderer.ConsensusType;
import org.hyperledger.fabric.protos.orderer.etcdraft.ConfigMetadata;
import org.hyperledger.fabric.protos.peer.AnchorPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ledger config in Fabric's channel config structure, read back with Fabric's protos alone: each
 * organisation's MSP, the consenters, the batch settings and the policies.
 */
class ChannelTreesTest {
  @TempDir Path directory;

  private EmbeddedDatabase database;
  private CertificateAuthority authority;

  @BeforeEach
  void open() throws Exception {
    database = EmbeddedDatabase.open(directory.resolve("db"));
    authority =
        CertificateAuthorities.builder()
            .dataSource(database.dataSource())
            .keyDirectory(directory.resolve("keys"))
            .passphrase(Passphrase.of("channel tree tests".toCharArray()))
            .build()
            .createRoot(AuthoritySpec.of("trade", "Operator"));
  }

  @AfterEach
  void close() {
    database.close();
  }

  @Test
  void each_member_is_an_application_organisation_with_a_fabric_msp_that_holds_its_certificates()
      throws Exception {
    Config tree = ChannelTrees.encode(config());

    ConfigGroup application = tree.getChannelGroup().getGroupsOrThrow("Application");
    assertThat(application.getGroupsMap()).containsOnlyKeys("BankAMSP", "BankBMSP", "BankCMSP");
    MSPConfig msp =
        MSPConfig.parseFrom(
            application.getGroupsOrThrow("BankBMSP").getValuesOrThrow("MSP").getValue());
    assertThat(msp.getType()).isZero();
    FabricMSPConfig fabric = FabricMSPConfig.parseFrom(msp.getConfig());
    assertThat(fabric.getName()).isEqualTo("BankBMSP");
    X509Certificate root =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(
                    new ByteArrayInputStream(fabric.getRootCerts(0).toByteArray()));
    assertThat(root).isEqualTo(authority.trustRoot());
    assertThat(fabric.getTlsRootCertsList()).isEqualTo(fabric.getRootCertsList());
    assertThat(fabric.getRevocationList(0).toByteArray()).isEqualTo(authority.crl().getEncoded());
    assertThat(fabric.getFabricNodeOus().getEnable()).isTrue();
    assertThat(fabric.getFabricNodeOus().getAdminOuIdentifier().getOrganizationalUnitIdentifier())
        .isEqualTo("admin");
    assertThat(fabric.getFabricNodeOus().getPeerOuIdentifier().getOrganizationalUnitIdentifier())
        .isEqualTo("peer");
    AnchorPeers anchors =
        AnchorPeers.parseFrom(
            application.getGroupsOrThrow("BankBMSP").getValuesOrThrow("AnchorPeers").getValue());
    assertThat(anchors.getAnchorPeersList())
        .singleElement()
        .satisfies(
            anchor -> {
              assertThat(anchor.getHost()).isEqualTo("peer1.bank-b.example");
              assertThat(anchor.getPort()).isEqualTo(7051);
            });
  }

  @Test
  void the_orderer_group_names_the_raft_consenters_and_how_blocks_are_cut() throws Exception {
    Config tree = ChannelTrees.encode(config());

    ConfigGroup orderer = tree.getChannelGroup().getGroupsOrThrow("Orderer");
    ConsensusType consensus =
        ConsensusType.parseFrom(orderer.getValuesOrThrow("ConsensusType").getValue());
    assertThat(consensus.getType()).isEqualTo("etcdraft");
    ConfigMetadata raft = ConfigMetadata.parseFrom(consensus.getMetadata());
    assertThat(raft.getConsentersList())
        .extracting(c -> c.getHost() + ":" + c.getPort())
        .containsExactly("orderer0.bank-a.example:7050", "orderer1.bank-b.example:7050");
    assertThat(raft.getConsenters(1).getServerTlsCert()).isEqualTo(tls("orderer1"));
    assertThat(raft.getConsenters(1).getClientTlsCert()).isEqualTo(tls("orderer1"));
    BatchSize size = BatchSize.parseFrom(orderer.getValuesOrThrow("BatchSize").getValue());
    assertThat(size.getMaxMessageCount()).isEqualTo(250);
    assertThat(size.getAbsoluteMaxBytes()).isEqualTo(4_194_304);
    assertThat(
            BatchTimeout.parseFrom(orderer.getValuesOrThrow("BatchTimeout").getValue())
                .getTimeout())
        .isEqualTo("1500ms");
    assertThat(orderer.getGroupsMap()).containsOnlyKeys("BankAMSP", "BankBMSP");
    assertThat(orderer.getGroupsOrThrow("BankAMSP").getValuesMap())
        .containsKeys("MSP", "Endpoints");
    assertThat(orderer.getPoliciesMap()).containsKey("BlockValidation");
  }

  @Test
  void the_endorsement_and_admin_policies_say_how_many_organisations_must_sign() throws Exception {
    LedgerConfig atLeastTwo =
        config().toBuilder()
            .setEndorsementPolicy(
                EndorsementPolicy.newBuilder().setRule(EndorsementPolicy.Rule.AT_LEAST).setCount(2))
            .setModificationPolicy(ModificationPolicy.newBuilder().setAdminOrganizations(3))
            .build();
    Config tree = ChannelTrees.encode(atLeastTwo);

    Policy endorsement =
        tree.getChannelGroup()
            .getGroupsOrThrow("Application")
            .getPoliciesOrThrow("Endorsement")
            .getPolicy();
    assertThat(endorsement.getType()).isEqualTo(Policy.PolicyType.SIGNATURE_VALUE);
    SignaturePolicyEnvelope envelope = SignaturePolicyEnvelope.parseFrom(endorsement.getValue());
    assertThat(envelope.getRule().getNOutOf().getN()).isEqualTo(2);
    assertThat(envelope.getIdentitiesList())
        .extracting(ChannelTreesTest::role)
        .containsExactly("BankAMSP.PEER", "BankBMSP.PEER", "BankCMSP.PEER");
    Policy admins = tree.getChannelGroup().getPoliciesOrThrow("Admins").getPolicy();
    assertThat(SignaturePolicyEnvelope.parseFrom(admins.getValue()).getRule().getNOutOf().getN())
        .isEqualTo(3);

    Policy majority =
        ChannelTrees.encode(config())
            .getChannelGroup()
            .getGroupsOrThrow("Application")
            .getPoliciesOrThrow("Endorsement")
            .getPolicy();
    assertThat(majority.getType()).isEqualTo(Policy.PolicyType.IMPLICIT_META_VALUE);
    assertThat(ImplicitMetaPolicy.parseFrom(majority.getValue()).getRule())
        .isEqualTo(ImplicitMetaPolicy.Rule.MAJORITY);
  }

  @Test
  void reading_the_tree_gives_back_what_fabric_can_say_of_the_ledger() throws Exception {
    LedgerConfig config =
        config().toBuilder()
            .setEndorsementPolicy(
                EndorsementPolicy.newBuilder().setRule(EndorsementPolicy.Rule.AT_LEAST).setCount(2))
            .build();

    FabricChannel channel = ChannelTrees.read(ChannelTrees.encode(config));

    assertThat(channel.sequence()).isEqualTo(4);
    assertThat(channel.organizations())
        .extracting(FabricChannel.Organization::mspId)
        .containsExactly("BankAMSP", "BankBMSP", "BankCMSP");
    FabricChannel.Organization bankA = channel.organization("BankAMSP").orElseThrow();
    assertThat(bankA.rootCertificates()).isEqualTo(config.getMembers(0).getRootCertificatesList());
    assertThat(bankA.crls()).isEqualTo(config.getMembers(0).getCrlsList());
    assertThat(bankA.nodeOrganizationalUnits()).isTrue();
    assertThat(bankA.endpoints()).containsExactly(new Endpoint("peer0.bank-a.example", 7051));
    assertThat(channel.ordererOrganizations())
        .extracting(FabricChannel.Organization::mspId)
        .containsExactly("BankAMSP", "BankBMSP");
    assertThat(channel.consenters())
        .extracting(c -> c.endpoint().toString())
        .containsExactly("orderer0.bank-a.example:7050", "orderer1.bank-b.example:7050");
    assertThat(channel.batch())
        .isEqualTo(new FabricChannel.Batch(250, 4_194_304, 4_194_304, Duration.ofMillis(1500)));
    assertThat(channel.endorsement())
        .isEqualTo(new Rule(Rule.Kind.AT_LEAST, 2, List.of("BankAMSP", "BankBMSP", "BankCMSP")));
    assertThat(channel.admins()).isEqualTo(new Rule(Rule.Kind.MAJORITY, 0, List.of()));
  }

  @Test
  void the_same_config_always_encodes_to_the_same_bytes() {
    assertThat(ChannelTrees.encode(config()).toByteArray())
        .isEqualTo(ChannelTrees.encode(config()).toByteArray());
  }

  @Test
  void a_channel_without_an_orderer_group_or_with_another_consensus_is_refused() {
    Config tree = ChannelTrees.encode(config());
    Config noOrderer =
        tree.toBuilder()
            .setChannelGroup(tree.getChannelGroup().toBuilder().removeGroups("Orderer"))
            .build();
    assertThatThrownBy(() -> ChannelTrees.read(noOrderer))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> assertThat(e.code()).isEqualTo(ConfigException.Code.MALFORMED))
        .hasMessageContaining("/Channel has no Orderer group");

    ConfigGroup orderer = tree.getChannelGroup().getGroupsOrThrow("Orderer");
    ConfigGroup solo =
        orderer.toBuilder()
            .putValues(
                "ConsensusType",
                orderer.getValuesOrThrow("ConsensusType").toBuilder()
                    .setValue(ConsensusType.newBuilder().setType("solo").build().toByteString())
                    .build())
            .build();
    Config soloTree =
        tree.toBuilder()
            .setChannelGroup(tree.getChannelGroup().toBuilder().putGroups("Orderer", solo))
            .build();
    assertThatThrownBy(() -> ChannelTrees.read(soloTree))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> assertThat(e.code()).isEqualTo(ConfigException.Code.UNSUPPORTED_FABRIC_CONFIG))
        .hasMessageContaining("consensus type 'solo'");
  }

  @Test
  void fabric_durations_read_as_go_writes_them() throws Exception {
    assertThat(GoDurations.parse("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(GoDurations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(GoDurations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(GoDurations.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
    assertThat(GoDurations.parse("0")).isEqualTo(Duration.ZERO);
    for (String bad : List.of("", "2", "s", "2 s", "-1s", "2x")) {
      assertThatThrownBy(() -> GoDurations.parse(bad)).isInstanceOf(ConfigException.class);
    }
  }

  private static String role(MSPPrincipal principal) {
    try {
      MSPRole role = MSPRole.parseFrom(principal.getPrincipal());
      return role.getMspIdentifier() + "." + role.getRole();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private LedgerConfig config() {
    try {
      ByteString root =
          ByteString.copyFrom(Pem.certificate(authority.trustRoot()), StandardCharsets.US_ASCII);
      ByteString crl = ByteString.copyFrom(authority.crl().getEncoded());
      LedgerConfig.Builder config =
          LedgerConfig.newBuilder()
              .setFormatVersion(1)
              .setLedgerId("trade")
              .setSequence(4)
              .setEndorsementPolicy(
                  EndorsementPolicy.newBuilder().setRule(EndorsementPolicy.Rule.MAJORITY))
              .setBlockCutting(
                  BlockCutting.newBuilder()
                      .setMaxTransactions(250)
                      .setMaxBytes(4_194_304)
                      .setTimeoutMillis(1500));
      String[] banks = {"a", "b", "c"};
      for (int i = 0; i < banks.length; i++) {
        String msp = "Bank" + banks[i].toUpperCase() + "MSP";
        config.addMembers(
            Member.newBuilder()
                .setOrganization("Bank " + banks[i].toUpperCase())
                .setMspId(msp)
                .addRootCertificates(root)
                .addCrls(crl));
        config.addPeers(
            Peer.newBuilder()
                .setNodeId("peer" + i)
                .setMspId(msp)
                .setHost("peer" + i + ".bank-" + banks[i] + ".example")
                .setPort(7051));
        if (i < 2) {
          config.addOrderers(
              Orderer.newBuilder()
                  .setNodeId("orderer" + i)
                  .setMspId(msp)
                  .setHost("orderer" + i + ".bank-" + banks[i] + ".example")
                  .setPort(7050)
                  .setRaftPort(7060)
                  .setTlsCertificate(tls("orderer" + i))
                  .setSigningCertificate(ByteString.copyFromUtf8("signing " + i)));
        }
      }
      return config.build();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static ByteString tls(String node) {
    return ByteString.copyFromUtf8("tls certificate of " + node);
  }
}
