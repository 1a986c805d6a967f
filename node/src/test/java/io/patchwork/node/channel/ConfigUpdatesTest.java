package io.patchwork.node.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.proto.BlockCutting;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Member;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.Peer;
import java.util.List;
import java.util.function.UnaryOperator;
import org.hyperledger.fabric.protos.common.Config;
import org.hyperledger.fabric.protos.common.ConfigGroup;
import org.hyperledger.fabric.protos.common.ConfigUpdate;
import org.hyperledger.fabric.protos.common.ConfigValue;
import org.junit.jupiter.api.Test;

/**
 * Fabric's config updates: the read and write sets two configs give, and what applying one gives.
 */
class ConfigUpdatesTest {
  private static final String CHANNEL = "trade";

  @Test
  void a_new_batch_size_writes_one_value_at_its_next_version_and_reads_the_groups_on_its_path()
      throws Exception {
    Config genesis = ChannelTrees.encode(config(3));
    Config larger =
        ChannelTrees.encode(
            change(
                config(3),
                c -> c.setBlockCutting(c.getBlockCutting().toBuilder().setMaxTransactions(500))));

    ConfigUpdate update = ConfigUpdates.compute(CHANNEL, genesis, larger);

    assertThat(update.getChannelId()).isEqualTo(CHANNEL);
    ConfigGroup writeOrderer = update.getWriteSet().getGroupsOrThrow("Orderer");
    assertThat(writeOrderer.getValuesMap()).containsOnlyKeys("BatchSize");
    assertThat(writeOrderer.getValuesOrThrow("BatchSize").getVersion()).isEqualTo(1);
    assertThat(writeOrderer.getVersion()).isZero();
    assertThat(update.getWriteSet().getGroupsMap()).containsOnlyKeys("Orderer");
    assertThat(update.getReadSet().getGroupsOrThrow("Orderer").getValuesMap()).isEmpty();

    Config next = ConfigUpdates.apply(CHANNEL, genesis, update);
    assertThat(next.getSequence()).isEqualTo(genesis.getSequence() + 1);
    assertThat(withoutVersions(next)).isEqualTo(withoutVersions(larger));
    assertThat(
            next.getChannelGroup()
                .getGroupsOrThrow("Orderer")
                .getValuesOrThrow("BatchSize")
                .getVersion())
        .isEqualTo(1);
    assertThat(
            next.getChannelGroup()
                .getGroupsOrThrow("Orderer")
                .getValuesOrThrow("BatchTimeout")
                .getVersion())
        .isZero();
  }

  @Test
  void adding_a_member_moves_the_application_group_on_and_lists_its_other_members_unchanged()
      throws Exception {
    Config three = ChannelTrees.encode(config(3));
    Config four = ChannelTrees.encode(config(4));

    ConfigUpdate update = ConfigUpdates.compute(CHANNEL, three, four);

    ConfigGroup application = update.getWriteSet().getGroupsOrThrow("Application");
    assertThat(application.getVersion()).isEqualTo(1);
    assertThat(application.getGroupsMap())
        .containsOnlyKeys("Bank0MSP", "Bank1MSP", "Bank2MSP", "Bank3MSP");
    assertThat(application.getGroupsOrThrow("Bank3MSP").getVersion()).isZero();
    assertThat(application.getGroupsOrThrow("Bank3MSP").getValuesMap()).containsKey("MSP");
    // Members that stay are named at their version only.
    assertThat(application.getGroupsOrThrow("Bank0MSP").getValuesMap()).isEmpty();
    assertThat(update.getReadSet().getGroupsOrThrow("Application").getGroupsMap())
        .containsOnlyKeys("Bank0MSP", "Bank1MSP", "Bank2MSP");

    Config next = ConfigUpdates.apply(CHANNEL, three, update);
    assertThat(withoutVersions(next)).isEqualTo(withoutVersions(four));
    assertThat(next.getChannelGroup().getGroupsOrThrow("Application").getVersion()).isEqualTo(1);

    Config back = ConfigUpdates.apply(CHANNEL, next, ConfigUpdates.compute(CHANNEL, next, three));
    assertThat(back.getChannelGroup().getGroupsOrThrow("Application").getGroupsMap())
        .containsOnlyKeys("Bank0MSP", "Bank1MSP", "Bank2MSP");
    assertThat(back.getChannelGroup().getGroupsOrThrow("Application").getVersion()).isEqualTo(2);
    assertThat(withoutVersions(back)).isEqualTo(withoutVersions(three));
  }

  @Test
  void an_update_applies_once_its_read_set_is_stale_it_is_refused() throws Exception {
    Config three = ChannelTrees.encode(config(3));
    ConfigUpdate update = ConfigUpdates.compute(CHANNEL, three, ChannelTrees.encode(config(4)));
    Config next = ConfigUpdates.apply(CHANNEL, three, update);

    assertRefused(() -> ConfigUpdates.apply(CHANNEL, next, update), "the read set has");
  }

  @Test
  void a_version_that_skips_one_another_channel_or_no_change_is_refused() throws Exception {
    Config genesis = ChannelTrees.encode(config(3));
    Config larger =
        ChannelTrees.encode(
            change(
                config(3),
                c -> c.setBlockCutting(c.getBlockCutting().toBuilder().setMaxTransactions(500))));
    ConfigUpdate update = ConfigUpdates.compute(CHANNEL, genesis, larger);
    ConfigGroup orderer = update.getWriteSet().getGroupsOrThrow("Orderer");
    ConfigValue skipping = orderer.getValuesOrThrow("BatchSize").toBuilder().setVersion(2).build();
    ConfigUpdate skipped =
        update.toBuilder()
            .setWriteSet(
                update.getWriteSet().toBuilder()
                    .putGroups(
                        "Orderer", orderer.toBuilder().putValues("BatchSize", skipping).build()))
            .build();

    assertRefused(() -> ConfigUpdates.apply(CHANNEL, genesis, skipped), "the next one is 1");
    assertRefused(() -> ConfigUpdates.apply("other", genesis, update), "is for channel 'trade'");
    assertRefused(() -> ConfigUpdates.compute(CHANNEL, genesis, genesis), "do not differ");
    assertRefused(
        () ->
            ConfigUpdates.apply(
                CHANNEL, genesis, update.toBuilder().setWriteSet(update.getReadSet()).build()),
        "changes nothing");
  }

  @Test
  void every_change_applied_to_its_base_gives_the_target_config() throws Exception {
    LedgerConfig base = config(3);
    List<UnaryOperator<LedgerConfig.Builder>> changes =
        List.of(
            c ->
                c.setEndorsementPolicy(
                    EndorsementPolicy.newBuilder().setRule(EndorsementPolicy.Rule.ALL)),
            c ->
                c.setEndorsementPolicy(
                    EndorsementPolicy.newBuilder()
                        .setRule(EndorsementPolicy.Rule.AT_LEAST)
                        .setCount(2)),
            c ->
                c.setMembers(
                    1, c.getMembers(1).toBuilder().addCrls(ByteString.copyFromUtf8("crl 2"))),
            c -> c.setPeers(2, c.getPeers(2).toBuilder().setHost("moved.example").setPort(9051)),
            c -> c.removeOrderers(0),
            c -> c.removeMembers(2).removePeers(2),
            c -> c.setBlockCutting(c.getBlockCutting().toBuilder().setTimeoutMillis(250)));
    Config current = ChannelTrees.encode(base);
    for (UnaryOperator<LedgerConfig.Builder> change : changes) {
      Config target = ChannelTrees.encode(change(base, change));
      Config next =
          ConfigUpdates.apply(CHANNEL, current, ConfigUpdates.compute(CHANNEL, current, target));
      assertThat(withoutVersions(next)).isEqualTo(withoutVersions(target));
      assertThat(ChannelTrees.read(next).organizations())
          .isEqualTo(ChannelTrees.read(target).organizations());
    }
  }

  private interface Call {
    void run() throws Exception;
  }

  private static void assertRefused(Call call, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> assertThat(e.code()).isEqualTo(ConfigException.Code.INVALID_CONFIG_UPDATE))
        .hasMessageContaining(message);
  }

  private static LedgerConfig change(
      LedgerConfig config, UnaryOperator<LedgerConfig.Builder> change) {
    return change.apply(config.toBuilder()).build();
  }

  /** The tree with every version 0 and the sequence 0, to compare content only. */
  private static Config withoutVersions(Config config) {
    return Config.newBuilder().setChannelGroup(withoutVersions(config.getChannelGroup())).build();
  }

  private static ConfigGroup withoutVersions(ConfigGroup group) {
    ConfigGroup.Builder built = group.toBuilder().setVersion(0);
    group.getGroupsMap().forEach((name, child) -> built.putGroups(name, withoutVersions(child)));
    group
        .getValuesMap()
        .forEach((name, value) -> built.putValues(name, value.toBuilder().setVersion(0).build()));
    group
        .getPoliciesMap()
        .forEach(
            (name, policy) -> built.putPolicies(name, policy.toBuilder().setVersion(0).build()));
    return built.build();
  }

  private static LedgerConfig config(int members) {
    LedgerConfig.Builder config =
        LedgerConfig.newBuilder()
            .setFormatVersion(1)
            .setLedgerId(CHANNEL)
            .setEndorsementPolicy(
                EndorsementPolicy.newBuilder().setRule(EndorsementPolicy.Rule.MAJORITY))
            .setBlockCutting(
                BlockCutting.newBuilder()
                    .setMaxTransactions(100)
                    .setMaxBytes(1 << 20)
                    .setTimeoutMillis(2000));
    for (int i = 0; i < members; i++) {
      String msp = "Bank" + i + "MSP";
      config.addMembers(
          Member.newBuilder()
              .setOrganization("Bank " + i)
              .setMspId(msp)
              .addRootCertificates(ByteString.copyFromUtf8("root of " + msp))
              .addCrls(ByteString.copyFromUtf8("crl of " + msp)));
      config.addPeers(
          Peer.newBuilder()
              .setNodeId("peer" + i)
              .setMspId(msp)
              .setHost("peer" + i + ".example")
              .setPort(7051));
    }
    for (int i = 0; i < 2; i++) {
      config.addOrderers(
          Orderer.newBuilder()
              .setNodeId("orderer" + i)
              .setMspId("Bank" + i + "MSP")
              .setHost("orderer" + i + ".example")
              .setPort(7050)
              .setTlsCertificate(ByteString.copyFromUtf8("tls " + i)));
    }
    return config.build();
  }
}
